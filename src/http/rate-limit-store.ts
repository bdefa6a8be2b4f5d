import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Knex } from 'knex';

/**
 * express-rate-limit's counters kept in PostgreSQL (table `rate_limits`) instead of each process's
 * memory: behind a load balancer every replica counts the same failures, so the limit holds for
 * the whole extranet, not once per replica. One upsert per counted request; a window that has
 * run out starts again at 1. (The published PostgreSQL stores open their own connection pool and
 * cannot use the embedded database; this one goes through the application's knex.)
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 15 * 60_000;
  private cleaner: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Knex,
    readonly prefix: string,
    cleanup: boolean,
  ) {
    // counters whose window ended an hour ago are of no use to anyone
    if (cleanup) {
      this.cleaner = setInterval(
        () =>
          void this.db('rate_limits')
            .where('reset_at', '<', this.db.raw("now() - interval '1 hour'"))
            .delete()
            .catch(() => {}),
        15 * 60_000,
      );
      this.cleaner.unref();
    }
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db('rate_limits')
      .where({ key: this.prefix + key })
      .where('reset_at', '>', this.db.raw('now()'))
      .first<{ hits: number; reset_at: Date } | undefined>('hits', 'reset_at');
    return row ? { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) } : undefined;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const result = await this.db.raw<{ rows: Array<{ hits: number | string; reset_at: Date | string }> }>(
      `insert into rate_limits (key, hits, reset_at) values (?, 1, now() + ? * interval '1 millisecond')
       on conflict (key) do update set
         hits = case when rate_limits.reset_at <= now() then 1 else rate_limits.hits + 1 end,
         reset_at = case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end
       returning hits, reset_at`,
      [this.prefix + key, this.windowMs],
    );
    const row = result.rows[0];
    return { totalHits: Number(row?.hits ?? 1), resetTime: new Date(row?.reset_at ?? Date.now() + this.windowMs) };
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limits')
      .where({ key: this.prefix + key })
      .where('hits', '>', 0)
      .update({ hits: this.db.raw('hits - 1') });
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limits')
      .where({ key: this.prefix + key })
      .delete()
      .returning('key');
  }

  shutdown(): void {
    if (this.cleaner) clearInterval(this.cleaner);
  }
}
