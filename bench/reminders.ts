/**
 * The appointment-reminders job at volume: 100,000 appointments over six months
 * (BENCH_APPOINTMENTS), then (1) an ordinary 5-minute run, (2) a catch-up after the job was down
 * for a day (BENCH_BACKLOG reminders due at once), sent by two runs racing — timed, with the
 * process's peak RSS, and checked: each reminder sent once. Mails are stored (no SMTP), as in
 * development. Runs on PostgreSQL, in a database it creates afresh (entraide_bench_reminders).
 *   npm run bench:reminders
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { freshBenchDatabase } from './database';
import { measure } from './measure';

const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? 100_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 2_000);
const NAME = 'entraide_bench_reminders';
const NOW = new Date('2026-12-01T09:00:00Z');

async function main(): Promise<void> {
  const { db, url } = await freshBenchDatabase(NAME);
  const knex = db.knex;
  const t0 = Date.now();
  const [assoc] = await knex('organisations').insert({ kind: 'association', name: 'Association Entraide Logement', city: 'Paris' }).returning('id');
  const [org] = await knex('organisations').insert({ kind: 'landlord', name: 'Bailleur du banc', city: 'Lyon' }).returning('id');
  const [adviser] = await knex('users')
    .insert({
      organisation_id: (assoc as { id: string }).id,
      role: 'social_adviser',
      email: 'conseil@banc.test',
      first_name: 'Sophie',
      last_name: 'Banc',
      password_hash: 'x',
    })
    .returning('id');
  const [household] = await knex('households')
    .insert({
      organisation_id: (org as { id: string }).id,
      address_line1: '1 rue du Banc',
      postcode: '69003',
      city: 'Lyon',
      tenancy_reference: 'BANC-1',
      rent_cents: 50000,
      charges_cents: 8000,
      entry_date: '2020-01-01',
    })
    .returning('id');
  const [type] = await knex('mission_types')
    .insert({ code: 'DIAG', label: 'Diagnostic social', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 })
    .returning('id');
  const missions = Math.ceil(APPOINTMENTS / 10);
  await knex.raw(
    `insert into missions (reference, organisation_id, household_id, mission_type_id, status, origin, reason, planned_minutes, ordered_by, ordered_by_label, ordered_at, adviser_id, consent)
     select 'M2026-' || lpad(i::text, 6, '0'), ?, ?, ?, 'in_progress', 'association', 'Banc', 240, ?, 'Banc', now(), ?, '{"date":"2026-11-01","method":"in_person","recordedBy":"Banc"}'::jsonb
     from generate_series(1, ?) i`,
    [
      (org as { id: string }).id,
      (household as { id: string }).id,
      (type as { id: string }).id,
      (adviser as { id: string }).id,
      (adviser as { id: string }).id,
      missions,
    ],
  );
  // ordinary appointments spread over six months from now, created a month ago
  await knex.raw(
    `with m as (select id, row_number() over (order by id) - 1 as n from missions)
     insert into appointments (mission_id, adviser_id, starts_at, duration_minutes, mode, place, contact_name, contact_email, status, created_at)
     select m.id, ?, ?::timestamptz + (i * interval '157 seconds') + interval '2 days', 60, 'in_person', 'Permanence',
            'Ménage ' || i, 'menage' || i || '@exemple.fr', case when i % 7 = 0 then 'confirmed' else 'scheduled' end, ?::timestamptz - interval '30 days'
     from generate_series(1, ?) i join m on m.n = i % ?`,
    [(adviser as { id: string }).id, NOW, NOW, APPOINTMENTS - BACKLOG, missions],
  );
  // the backlog: appointments within the next day whose day-before reminder was never sent (the job was down)
  await knex.raw(
    `with m as (select id, row_number() over (order by id) - 1 as n from missions)
     insert into appointments (mission_id, adviser_id, starts_at, duration_minutes, mode, place, contact_name, contact_email, status, created_at)
     select m.id, ?, ?::timestamptz + interval '31 minutes' + (i * (interval '23 hours' / ?)), 45, 'phone', 'Appel',
            'Ménage en retard ' || i, 'retard' || i || '@exemple.fr', 'scheduled', ?::timestamptz - interval '10 days'
     from generate_series(1, ?) i join m on m.n = i % ?`,
    [(adviser as { id: string }).id, NOW, BACKLOG, NOW, BACKLOG, missions],
  );
  await knex.raw('vacuum analyze');
  process.stdout.write(
    `Entraide bench:reminders — PostgreSQL, ${APPOINTMENTS} rendez-vous sur six mois dont ${BACKLOG} en retard de rappel, préparés en ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'development' });
  const clock = new FakeClock(NOW);
  const services = createServices(db, config, clock, createLogger('silent'));

  // the catch-up: two runs racing over the backlog
  const catchUp = await measure(() => Promise.all([services.appointments.sendReminders(NOW), services.appointments.sendReminders(NOW)]));
  const sent = catchUp.result.reduce((a, r) => a + r.dayBefore + r.halfHour, 0);
  const rows = Number((await knex('appointment_reminders').count<{ n: string }[]>('* as n'))[0]?.n);
  const mails = Number((await knex('mail_outbox').count<{ n: string }[]>('* as n'))[0]?.n);
  process.stdout.write(
    `rattrapage (deux exécutions concurrentes) : ${sent} rappels envoyés en ${catchUp.seconds.toFixed(2)} s (${((catchUp.seconds * 1000) / Math.max(sent, 1)).toFixed(1)} ms par rappel), ` +
      `${rows} lignes de rappel, ${mails} courriels — RSS de pointe ${catchUp.peakMb.toFixed(0)} Mo\n`,
  );

  // an ordinary run, 5 minutes later: the due query over the whole table, and what is due then
  clock.set(new Date(NOW.getTime() + 5 * 60_000));
  const runs: number[] = [];
  let ordinary = 0;
  for (let i = 0; i < 5; i++) {
    const at = new Date(NOW.getTime() + (5 + i * 5) * 60_000);
    const run = await measure(() => services.appointments.sendReminders(at));
    runs.push(run.seconds * 1000);
    ordinary += run.result.dayBefore + run.result.halfHour;
  }
  runs.sort((a, b) => a - b);
  process.stdout.write(
    `exécution ordinaire toutes les 5 minutes : médiane ${runs[2]?.toFixed(0)} ms, max ${runs[4]?.toFixed(0)} ms (${ordinary} rappels sur 5 exécutions)\n`,
  );
  if (sent !== BACKLOG || rows !== BACKLOG + ordinary || mails !== rows) process.exitCode = 1;
  services.mailer.close();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
