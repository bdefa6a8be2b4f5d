/**
 * The read traces at volume: a year and a half of them for 3,000 users (BENCH_TRACES, 3,000,000 by
 * default, a third older than the 12-month retention), then (1) the hourly access-alerts watch over
 * the busiest hour, (2) the nightly purge of everything past the retention — batch by batch, under
 * the database's row check that only lets old traces go. Timed, with peak RSS, and checked: what is
 * left is exactly the young traces. Runs on PostgreSQL, in a database it creates afresh
 * (entraide_bench_access).
 *   npm run bench:access-log
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { freshBenchDatabase } from './database';
import { measure } from './measure';

const TRACES = Number(process.env.BENCH_TRACES ?? 3_000_000);
const USERS = 3_000;
const NAME = 'entraide_bench_access';
const NOW = new Date('2026-12-01T03:00:00Z');
const SPAN_DAYS = 548;

async function main(): Promise<void> {
  const { db, url } = await freshBenchDatabase(NAME);
  const knex = db.knex;
  const t0 = Date.now();
  const [org] = await knex('organisations').insert({ kind: 'association', name: 'Association Entraide Logement', city: 'Paris' }).returning('id');
  const orgId = (org as { id: string }).id;
  await knex.raw(
    `insert into users (organisation_id, role, email, first_name, last_name, password_hash)
     select ?, 'operator', 'u' || i || '@banc.test', 'Prénom', 'Nom ' || i, 'x' from generate_series(1, ?) i`,
    [orgId, USERS],
  );
  // traces spread evenly over 18 months before NOW, on 200,000 households, by the 3,000 users
  await knex.raw(
    `with u as (select id, row_number() over (order by id) - 1 as n from users)
     insert into access_events (occurred_at, user_id, organisation_id, action, entity_type, entity_id)
     select ?::timestamptz - (i * (interval '${SPAN_DAYS} days' / ?)), u.id, ?, 'household.view', 'household', 'h' || (i::bigint * 7919 % 200000)
     from generate_series(1, ?) i join u on u.n = i % ?`,
    [NOW, TRACES, orgId, TRACES, USERS],
  );
  // one user reads 400 households within the last hour
  await knex.raw(
    `insert into access_events (occurred_at, user_id, organisation_id, action, entity_type, entity_id)
     select ?::timestamptz - interval '50 minutes' + i * interval '5 seconds', (select id from users order by id limit 1), ?, 'household.view', 'household', 'x' || i
     from generate_series(1, 400) i`,
    [NOW, orgId],
  );
  await knex.raw('vacuum analyze access_events');
  const cutoff = new Date(NOW);
  cutoff.setUTCMonth(cutoff.getUTCMonth() - 12);
  const young = Number((await knex('access_events').where('occurred_at', '>=', cutoff).count<{ n: string }[]>('* as n'))[0]?.n);
  process.stdout.write(
    `Entraide bench:access-log — PostgreSQL, ${TRACES + 400} traces de consultation sur 18 mois par ${USERS} utilisateurs, préparées en ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'development' });
  const services = createServices(db, config, new FakeClock(NOW), createLogger('silent'));

  const hourEnd = new Date(Math.floor(NOW.getTime() / 3_600_000) * 3_600_000);
  const watch = await measure(() => services.accessWatch.watch(new Date(hourEnd.getTime() - 3_600_000), hourEnd, config.accessAlertRecordsPerHour, NOW));
  process.stdout.write(`veille horaire (access-alerts) : ${watch.result.length} alerte(s) en ${(watch.seconds * 1000).toFixed(0)} ms\n`);

  const purge = await measure(() => services.accessWatch.purge(NOW, config.accessLogRetentionMonths));
  const left = Number((await knex('access_events').count<{ n: string }[]>('* as n'))[0]?.n);
  process.stdout.write(
    `purge nocturne (access-log-retention, ${config.accessLogRetentionMonths} mois) : ${purge.result} traces supprimées en ${purge.seconds.toFixed(1)} s ` +
      `(${(purge.result / Math.max(purge.seconds, 0.001) / 1000).toFixed(0)} 000 par seconde), ${left} restantes — RSS de pointe ${purge.peakMb.toFixed(0)} Mo\n`,
  );
  if (left !== young || watch.result.length !== 1) process.exitCode = 1;
  services.mailer.close();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
