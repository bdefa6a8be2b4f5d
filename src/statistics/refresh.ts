import type { Knex } from 'knex';
import type { Clock } from '../shared/clock';
import { addMonths, parisDate, parisDateTime } from '../shared/dates';
import { type MonthSpan, StatisticsRefreshRepository } from './refresh-repository';

/** A complete rebuild at least this often: corrections of old data (an address, a cancelled transfer) reach every month. */
export const FULL_REFRESH_HOURS = 24;

export const monthSpan = (month: string): MonthSpan => {
  const fromDate = `${month}-01`;
  const toDate = addMonths(fromDate, 1);
  return { month, from: parisDateTime(fromDate, '00:00') as Date, to: parisDateTime(toDate, '00:00') as Date, fromDate, toDate };
};

/** The months from `first` to `last`, both included ("2026-11" … "2027-02"). */
export function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  for (let m = first; m <= last; m = addMonths(`${m}-01`, 1).slice(0, 7)) months.push(m);
  return months;
}

export interface RefreshOutcome {
  scope: 'recent' | 'all';
  months: string[];
  durationMs: number;
}

/**
 * Keeps the statistics' aggregates current (docs/statistiques.md): every few minutes the current
 * and the previous month (where nearly every event falls: events are counted in the month they
 * happen), and the whole history once a day — or whenever it was never built — so that a
 * correction of old data reaches its month. Each month is rebuilt in its own transaction under the
 * refresh lock: a page never reads a month half-written.
 */
export class StatisticsRefresher {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly repository: StatisticsRefreshRepository;

  constructor(deps: { db: Knex; clock: Clock; repository?: StatisticsRefreshRepository }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.repository = deps.repository ?? new StatisticsRefreshRepository();
  }

  /** What the job does: the whole history when the last complete refresh is older than a day, else the two recent months. */
  async refreshDue(): Promise<RefreshOutcome> {
    const { lastAll } = await this.repository.lastRefreshes(this.db);
    const stale = !lastAll || this.clock.now().getTime() - lastAll.getTime() >= FULL_REFRESH_HOURS * 3_600_000;
    return this.refresh(stale ? 'all' : 'recent');
  }

  async refresh(scope: 'recent' | 'all'): Promise<RefreshOutcome> {
    const startedAt = this.clock.now();
    const started = Date.now();
    const current = parisDate(startedAt).slice(0, 7);
    const previous = addMonths(`${current}-01`, -1).slice(0, 7);
    const first = scope === 'all' ? await this.repository.firstMonth(this.db) : null;
    const months = scope === 'all' ? monthsBetween(first && first < current ? first : current, current) : [previous, current];
    for (const month of months) {
      await this.db.transaction(async (trx) => {
        await this.repository.lock(trx);
        await this.repository.rebuildMonth(trx, monthSpan(month));
      });
    }
    if (scope === 'all') await this.repository.analyse(this.db);
    const durationMs = Date.now() - started;
    await this.repository.noteRefresh(this.db, { scope, months, startedAt, finishedAt: this.clock.now(), durationMs });
    return { scope, months, durationMs };
  }

  /** When the figures were last brought up to date (null: never). */
  async updatedAt(): Promise<Date | null> {
    return (await this.repository.lastRefreshes(this.db)).last;
  }

  /** The last refresh: its number (what a view computed from the aggregates depends on) and its time. */
  async lastRefresh(): Promise<{ id: string; at: Date | null }> {
    const r = await this.repository.lastRefreshes(this.db);
    return { id: r.id, at: r.last };
  }
}
