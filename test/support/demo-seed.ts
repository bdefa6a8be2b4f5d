import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { loadDemo } from '../../seeds/load-demo';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { parisDate, parisTime } from '../../src/shared/dates';
import { isWorkingDay } from '../../src/shared/working-days';
import { createTestDatabase } from './database';

/** The demo's configuration; the funder's folders are its own (the demo writes an orientations file there), never shared with another seed. */
export const demoConfig = () =>
  loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'seed-secret-seed-secret-seed-secret-0123456789',
    DATA_DIR: '/tmp/entraide-seed-test',
    FUNDER_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-seed-funder-')),
  });
const silent = winston.createLogger({ silent: true });

/** Per-year counters get a row per year the demo's past spans: they are not compared. */
const PER_YEAR = new Set(['ledger_counters', 'mission_sequences', 'request_sequences']);
const NOT_DATA = new Set(['knex_migrations', 'knex_migrations_lock', 'sessions']);
/** The statistics' aggregates: one row per month and cell, so their count follows the calendar; their sums must not. */
const PER_MONTH = new Set(['stat_cells', 'stat_delays', 'stat_households', 'stat_refreshes']);
const BY_STATUS = ['aid_requests', 'missions', 'appointments', 'payments', 'payment_batches', 'decisions'] as const;

export interface DemoFacts {
  counts: Record<string, string>;
  /** audit lines dated after the clock the seed ran at */
  auditAfterNow: number;
  /** appointments that fall on a weekend or a public holiday, or outside 08:00–19:00 (Paris) */
  outOfHours: string[];
  /** pairs of live appointments of one adviser that overlap */
  overlaps: number;
}

/** Loads the demo on a fresh database as if it were `now`, and reads what it made. */
export async function seedAt(now: Date): Promise<DemoFacts> {
  const db = await createTestDatabase();
  try {
    await loadDemo(db, demoConfig(), silent, now);
    return await factsOf(db, now);
  } finally {
    await db.close();
  }
}

async function factsOf(db: Database, now: Date): Promise<DemoFacts> {
  const { knex } = db;
  const tables: string[] = (
    await knex.raw("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1")
  ).rows.map((r: { table_name: string }) => r.table_name);
  const counts: Record<string, string> = {};
  for (const t of tables.filter((name) => !PER_YEAR.has(name) && !NOT_DATA.has(name) && !PER_MONTH.has(name))) {
    counts[t] = String((await knex(t).count('* as c').first())?.c);
  }
  const sums = await knex('stat_cells').first(
    knex.raw('sum(received)::text as received'),
    knex.raw('sum(decided)::text as decided'),
    knex.raw('sum(granted)::text as granted'),
    knex.raw('sum(opened)::text as opened'),
    knex.raw('sum(minutes)::text as minutes'),
  );
  counts['stat_cells sums'] = JSON.stringify(sums);
  for (const t of BY_STATUS) {
    const column = t === 'decisions' ? 'kind' : 'status';
    const rows = await knex(t).select(column).count('* as c').groupBy(column).orderBy(column);
    counts[`${t} by ${column}`] = rows.map((r: Record<string, unknown>) => `${String(r[column])}=${String(r.c)}`).join(', ');
  }
  const auditAfterNow = Number((await knex('audit_events').where('occurred_at', '>', now).count('* as c').first())?.c);
  const appointments: Array<{ starts_at: Date; ends_at: Date }> = (await knex('appointments').select('starts_at', 'duration_minutes')).map(
    (a: { starts_at: Date; duration_minutes: number }) => ({ starts_at: a.starts_at, ends_at: new Date(a.starts_at.getTime() + a.duration_minutes * 60_000) }),
  );
  const outOfHours = appointments
    .filter(
      (a) =>
        !isWorkingDay(parisDate(a.starts_at)) ||
        parisTime(a.starts_at) < '08:00' ||
        parisTime(a.ends_at) > '19:00' ||
        parisDate(a.ends_at) !== parisDate(a.starts_at),
    )
    .map((a) => `${parisDate(a.starts_at)} ${parisTime(a.starts_at)}`);
  const overlaps = Number(
    (
      await knex.raw(
        `select count(*) as c from appointments a join appointments b on a.id < b.id and a.adviser_id = b.adviser_id
          and a.starts_at < b.starts_at + b.duration_minutes * interval '1 minute' and b.starts_at < a.starts_at + a.duration_minutes * interval '1 minute' and a.status <> 'cancelled' and b.status <> 'cancelled'`,
      )
    ).rows[0].c,
  );
  return { counts, auditAfterNow, outOfHours, overlaps };
}
