import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { parisDate } from '../../shared/dates';
import { FLOWS } from '../formats/names';
import type { FunderRecordRepository } from '../outbound/records-repository';
import { type Delivery, type OutboundFlow, type OutboundSender, type PreparedFile, recordProblem } from '../outbound/sender';

const OUTBOUND: readonly OutboundFlow[] = FLOWS.filter((f): f is OutboundFlow => f !== 'ORIENTATIONS');

/** At most this many records per file (~2.3 MB of SUIVI): a backlog leaves in several files, each under the stored files' size limit. */
export const RECORDS_PER_FILE = 10_000;

export interface FollowUpRun {
  files: PreparedFile[];
  /** records refused before leaving (they break their schema): shown to a person, never sent */
  refused: number;
  deliveries: Delivery[];
}

/**
 * The daily `SUIVI` file (docs/echanges/suivi.md): every event the outbox holds since the last
 * file, each once; and, in the same run, the records of any flow a person put back to be sent
 * again after the funder rejected them — each flow's waiting records in one file (several past
 * RECORDS_PER_FILE), under their ids.
 * A record that breaks its schema is set aside (rejected here, with the reason) so that it never
 * holds the others back.
 */
export class FollowUpFiles {
  constructor(private readonly deps: { db: Knex; clock: Clock; records: FunderRecordRepository; outbound: OutboundSender }) {}

  async send(): Promise<FollowUpRun> {
    const now = this.deps.clock.now();
    const today = parisDate(now);
    const { files, refused } = await this.deps.db.transaction(async (trx) => {
      // two runs at once: the second waits, then finds nothing left to send
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['entraide:funder-followup']);
      const made: PreparedFile[] = [];
      let setAside = 0;
      for (const flow of OUTBOUND) {
        // a file's worth at a time: sending marks them, so the next read starts after them
        for (;;) {
          const waiting = await this.deps.records.waiting(trx, flow, RECORDS_PER_FILE);
          const valid = [];
          for (const record of waiting) {
            const problem = recordProblem(flow, record.payload);
            if (problem) {
              await this.deps.records.refuseBeforeSending(trx, record.id, problem, now);
              setAside++;
            } else valid.push(record);
          }
          if (valid.length > 0) {
            const first = parisDate(valid[0]!.created_at);
            made.push(
              await this.deps.outbound.prepare(trx, {
                flow,
                periodStart: first < today ? first : today,
                periodEnd: today,
                records: valid.map((r) => r.payload),
              }),
            );
          }
          if (waiting.length < RECORDS_PER_FILE) break;
        }
      }
      return { files: made, refused: setAside };
    });
    const deliveries = await this.deps.outbound.deliver();
    return { files, refused, deliveries };
  }
}
