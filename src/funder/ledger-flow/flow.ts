import type { Knex } from 'knex';
import type { LedgerRepository } from '../../accounting/repository';
import type { Db } from '../../db/types';
import { ConflictError, ValidationError } from '../../shared/errors';
import type { Delivery, OutboundSender, PreparedFile } from '../outbound/sender';
import { LINES_PER_FILE, monthFiles, monthLabel, monthPeriod } from './records';
import { LedgerFileRepository } from './repository';

/** What the flow reads of the ledger: the closed months, and the FEC's lines of a month. */
export type LedgerSource = Pick<LedgerRepository, 'closedPeriods' | 'isClosed' | 'fecRowsDated'>;

/** What a run prepared, and what became of every file it then put on the server. */
export interface LedgerFlowRun {
  files: PreparedFile[];
  deliveries: Delivery[];
}

const MONTH = /^(\d{4}-(?:0[1-9]|1[0-2]))(?:-\d{2})?$/;

/**
 * The ECRITURES flow to Action Logement (docs/echanges/ecritures.md): once the accountant has
 * closed a month, its ledger lines leave in one file — the FEC's lines of the month, with totals
 * that balance (a month without any line sends nothing; a month past `LINES_PER_FILE` lines leaves
 * in several files cut between entries, each balanced). Each month is prepared in its own
 * transaction under the flow's lock, after checking again that no file exists for it, so it
 * leaves exactly once however many runs meet; the files prepared are delivered after their commit.
 */
export class FunderLedgerFlow {
  private readonly db: Knex;
  private readonly ledger: LedgerSource;
  private readonly outbound: OutboundSender;
  private readonly files: LedgerFileRepository;
  private readonly linesPerFile: number;

  constructor(deps: { db: Knex; ledger: LedgerSource; outbound: OutboundSender; files?: LedgerFileRepository; linesPerFile?: number }) {
    this.db = deps.db;
    this.linesPerFile = deps.linesPerFile ?? LINES_PER_FILE;
    this.ledger = deps.ledger;
    this.outbound = deps.outbound;
    this.files = deps.files ?? new LedgerFileRepository();
  }

  /** Every closed month without an ECRITURES file yet, oldest first (the daily job). */
  async sendClosedMonths(): Promise<LedgerFlowRun> {
    const sent = await this.files.monthsSent(this.db);
    const closed = await this.ledger.closedPeriods(this.db);
    return this.send(
      closed
        .map((p) => p.period)
        .filter((month) => !sent.has(month))
        .sort(),
    );
  }

  /** One month ("2026-10", or a day of it), if closed; nothing when its file already exists. */
  async sendMonth(monthOrDay: string): Promise<LedgerFlowRun> {
    const month = MONTH.exec(monthOrDay)?.[1];
    if (!month) throw new ValidationError({ month: 'Le mois s’écrit AAAA-MM, par exemple 2026-10.' });
    if (!(await this.ledger.isClosed(this.db, month)))
      throw new ConflictError(`La période ${monthLabel(month)} n’est pas close : ses écritures ne partent chez Action Logement qu’après la clôture du mois.`);
    return this.send([month]);
  }

  private async send(months: readonly string[]): Promise<LedgerFlowRun> {
    const files: PreparedFile[] = [];
    let failure: Error | null = null;
    try {
      for (const month of months) {
        files.push(...(await this.db.transaction((trx) => this.prepareMonth(trx, month))));
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    // what was prepared leaves after its commit, even when a later month failed
    const deliveries = files.length > 0 ? await this.outbound.deliver() : [];
    if (failure) throw failure;
    return { files, deliveries };
  }

  /** The month's file — or files, past `linesPerFile` lines, with consecutive sequence numbers — in one transaction. */
  private async prepareMonth(trx: Db, month: string): Promise<PreparedFile[]> {
    await this.files.lock(trx);
    if ((await this.files.monthsSent(trx)).has(month)) return [];
    const { periodStart, periodEnd } = monthPeriod(month);
    const rows = await this.ledger.fecRowsDated(trx, periodStart, periodEnd);
    // a month without any line sends nothing (an empty data file cannot be stored)
    if (rows.length === 0) return [];
    const prepared: PreparedFile[] = [];
    for (const file of monthFiles(month, rows, this.linesPerFile))
      prepared.push(await this.outbound.prepare(trx, { flow: 'ECRITURES', periodStart, periodEnd, records: file.records, totals: file.totals }));
    return prepared;
  }
}
