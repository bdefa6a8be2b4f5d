import type { Db } from '../../db/types';

/** What the ECRITURES flow needs of `funder_files`: the months already sent, and one sender at a time. */
export class LedgerFileRepository {
  /**
   * Takes the flow's lock until the caller's transaction ends: a second run waits, then sees
   * what the first one committed.
   */
  async lock(trx: Db): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:funder-ledger'))");
  }

  /** The months ("2026-10") an ECRITURES file was prepared for, whatever became of it since. */
  async monthsSent(db: Db): Promise<Set<string>> {
    const rows = await db('funder_files')
      .where({ direction: 'out', flow: 'ECRITURES' })
      .whereNotNull('period_start')
      .select<Array<{ period_start: string }>>('period_start');
    return new Set(rows.map((r) => String(r.period_start).slice(0, 7)));
  }
}
