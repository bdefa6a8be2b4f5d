import type { Db } from '../db/types';

/** A gapless numbering sequence of the ledger: a fiscal year and its counter ('*' when numbered per year, else a journal code). */
export interface LedgerSequence {
  fiscalYear: number;
  counter: string;
  count: number;
  maxNumber: number;
}

/** What a backup's manifest says of the database, and what a drill reads again from the restored copy. */
export interface DatabaseFacts {
  /** the latest migration applied, and how many are */
  schemaVersion: string | null;
  migrations: number;
  /** rows per table of the public schema (knex's migration lock left out) */
  tables: Record<string, number>;
  ledger: { entries: number; lines: number; sequences: LedgerSequence[] };
  /** the audit trail (append-only) */
  audit: { count: number; lastId: string | null };
  /** the latest SEPA batch and its file's SHA-256 */
  sepa: { batchId: string; number: string; fileSha256: string; fileBlobId: string } | null;
}

export interface DrillCheck {
  key: string;
  label: string;
  ok: boolean;
  detail: string;
}

export interface DrillRecord {
  id: string;
  startedAt: Date;
  finishedAt: Date | null;
  source: 'offsite' | 'local';
  backupName: string | null;
  backupAt: Date | null;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  ok: boolean;
  checks: DrillCheck[];
  error: string | null;
}

interface DrillRow {
  id: string;
  started_at: Date;
  finished_at: Date | null;
  source: 'offsite' | 'local';
  backup_name: string | null;
  backup_at: Date | null;
  rpo_seconds: number | null;
  rto_seconds: number | string | null;
  ok: boolean;
  checks: DrillCheck[] | string;
  error: string | null;
}

const toRecord = (r: DrillRow): DrillRecord => ({
  id: r.id,
  startedAt: new Date(r.started_at),
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  source: r.source,
  backupName: r.backup_name,
  backupAt: r.backup_at ? new Date(r.backup_at) : null,
  rpoSeconds: r.rpo_seconds === null ? null : Number(r.rpo_seconds),
  rtoSeconds: r.rto_seconds === null ? null : Number(r.rto_seconds),
  ok: r.ok,
  checks: typeof r.checks === 'string' ? (JSON.parse(r.checks) as DrillCheck[]) : r.checks,
  error: r.error,
});

/**
 * The facts of a database a backup is checked against (read in the caller's transaction, so that
 * they describe the same snapshot as the dump), the checks a drill runs on a restored copy, and
 * the drills' history.
 */
export class BackupFactsRepository {
  async facts(db: Db): Promise<DatabaseFacts> {
    const names = await db('pg_tables')
      .where({ schemaname: 'public' })
      .whereNot({ tablename: 'knex_migrations_lock' })
      .orderBy('tablename')
      .pluck<string[]>('tablename');
    const tables: Record<string, number> = {};
    for (const name of names) {
      const { rows } = await db.raw<{ rows: Array<{ n: string }> }>('select count(*) as n from ??', [name]);
      tables[name] = Number(rows[0]?.n ?? 0);
    }
    const migrations = await db('knex_migrations').orderBy('id', 'desc').select<Array<{ name: string }>>('name');
    const lines = await db('ledger_lines').count<Array<{ n: string }>>('* as n');
    const audit = await db('audit_events').first<{ n: string; last: string | null }>(db.raw('count(*) as n'), db.raw('max(id)::text as last'));
    const batch = await db('payment_batches')
      .orderBy([
        { column: 'generated_at', order: 'desc' },
        { column: 'number', order: 'desc' },
      ])
      .first<{ id: string; number: string | number; file_sha256: string; file_blob_id: string } | undefined>('id', 'number', 'file_sha256', 'file_blob_id');
    const sequences = await this.sequences(db);
    return {
      schemaVersion: migrations[0]?.name ?? null,
      migrations: migrations.length,
      tables,
      ledger: { entries: sequences.reduce((n, s) => n + s.count, 0), lines: Number(lines[0]?.n ?? 0), sequences },
      audit: { count: Number(audit?.n ?? 0), lastId: audit?.last ?? null },
      sepa: batch ? { batchId: batch.id, number: String(batch.number), fileSha256: batch.file_sha256, fileBlobId: batch.file_blob_id } : null,
    };
  }

  /**
   * The ledger's numbering sequences: an entry belongs to its journal's counter when the year was
   * numbered per journal (a counter row for that journal exists), to the year's '*' counter otherwise.
   */
  private async sequences(db: Db): Promise<LedgerSequence[]> {
    const { rows } = await db.raw<{ rows: Array<{ fiscal_year: number; counter: string; n: string; hi: number | null }> }>(
      `select e.fiscal_year, coalesce(c.journal_code, '*') as counter, count(*) as n, max(e.number) as hi
         from ledger_entries e
         left join ledger_counters c on c.fiscal_year = e.fiscal_year and c.journal_code = e.journal_code
        group by e.fiscal_year, coalesce(c.journal_code, '*')
        order by 1, 2`,
    );
    return rows.map((r) => ({ fiscalYear: Number(r.fiscal_year), counter: r.counter, count: Number(r.n), maxNumber: Number(r.hi ?? 0) }));
  }

  /** Entries whose lines do not balance (debit ≠ credit) or that have fewer than two lines. */
  async unbalancedEntries(db: Db): Promise<string[]> {
    const { rows } = await db.raw<{ rows: Array<{ number_text: string }> }>(
      `select e.number_text
         from ledger_entries e
         left join ledger_lines l on l.entry_id = e.id
        group by e.id, e.number_text
       having count(l.id) < 2 or coalesce(sum(l.debit_cents), 0) <> coalesce(sum(l.credit_cents), 0)
        order by e.number_text
        limit 20`,
    );
    return rows.map((r) => r.number_text);
  }

  /**
   * The sequences whose numbers are not exactly 1..n (a gap or a double), or whose counter says
   * otherwise than the entries (a number given out and its entry missing).
   */
  async numberingGaps(
    db: Db,
  ): Promise<Array<{ fiscalYear: number; counter: string; count: number; distinct: number; low: number; high: number; last: number | null }>> {
    const { rows } = await db.raw<{
      rows: Array<{ fiscal_year: number; counter: string; n: string; d: string; lo: number; hi: number; last_number: number | null }>;
    }>(
      `with seq as (
         select e.fiscal_year, coalesce(c.journal_code, '*') as counter, e.number
           from ledger_entries e
           left join ledger_counters c on c.fiscal_year = e.fiscal_year and c.journal_code = e.journal_code
       ), per as (
         select fiscal_year, counter, count(*) as n, count(distinct number) as d, min(number) as lo, max(number) as hi
           from seq group by fiscal_year, counter
       )
       select per.*, k.last_number
         from per
         left join ledger_counters k on k.fiscal_year = per.fiscal_year and k.journal_code = per.counter
        where per.n <> per.d or per.lo <> 1 or per.hi <> per.n or k.last_number is distinct from per.hi
        order by 1, 2`,
    );
    return rows.map((r) => ({
      fiscalYear: Number(r.fiscal_year),
      counter: r.counter,
      count: Number(r.n),
      distinct: Number(r.d),
      low: Number(r.lo),
      high: Number(r.hi),
      last: r.last_number === null ? null : Number(r.last_number),
    }));
  }

  /** A scratch database on the same server (its name is made by the drill: letters, digits, underscores). */
  async createDatabase(db: Db, name: string): Promise<void> {
    await db.raw('create database ??', [name]);
  }

  async dropDatabase(db: Db, name: string): Promise<void> {
    await db.raw('drop database if exists ?? with (force)', [name]);
  }

  async startDrill(db: Db, drill: { startedAt: Date; source: 'offsite' | 'local' }): Promise<string> {
    const [row] = await db('restore_drills').insert({ started_at: drill.startedAt, source: drill.source }).returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async finishDrill(db: Db, id: string, d: Omit<DrillRecord, 'id' | 'startedAt' | 'source'>): Promise<void> {
    await db('restore_drills')
      .where({ id })
      .update({
        finished_at: d.finishedAt,
        backup_name: d.backupName,
        backup_at: d.backupAt,
        rpo_seconds: d.rpoSeconds,
        rto_seconds: d.rtoSeconds,
        ok: d.ok,
        checks: JSON.stringify(d.checks),
        error: d.error,
      });
  }

  /** The latest drills, newest first. */
  async history(db: Db, limit: number): Promise<DrillRecord[]> {
    const rows = await db<DrillRow>('restore_drills').orderBy('started_at', 'desc').limit(limit).select('*');
    return rows.map(toRecord);
  }
}
