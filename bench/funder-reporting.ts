/**
 * The monthly REPORTING file at volume: BENCH_REQUESTS aid requests (500,000 by default) over two
 * years, their decisions, one transfer per grant sent to the bank in daily batches, support
 * missions with their sessions, spread over 60 landlords and 30 départements. Times `indicators`
 * for one month (the SQL aggregate over the whole base) and the whole preparation (`sendMonth`:
 * lock, aggregate, schema check of every record, manifest, file stored, delivered to a folder),
 * with the process's peak RSS. Runs on PostgreSQL, in a database it creates afresh each time
 * (entraide_bench_reporting on BENCH_SERVER_URL).
 *   node --expose-gc --import tsx bench/funder-reporting.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { FunderReporting } from '../src/funder/reporting/service';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { insertAidTypes } from '../seeds/demo';
import { freshBenchDatabase } from './database';
import { measure } from './measure';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500_000);
const MONTH = process.env.BENCH_MONTH ?? '2026-10';
const LANDLORDS = 60;
const NAME = 'entraide_bench_reporting';
const POSTCODES = [
  '69003',
  '69008',
  '75011',
  '75020',
  '13001',
  '13008',
  '33000',
  '31000',
  '59000',
  '44000',
  '67000',
  '34000',
  '35000',
  '06000',
  '38000',
  '20090',
  '20200',
  '97411',
  '97200',
  '97100',
  '93200',
  '94000',
  '92100',
  '76000',
  '57000',
  '54000',
  '21000',
  '37000',
  '63000',
  '87000',
];

/** A SIREN with a valid Luhn key, from a number. */
function siren(n: number): string {
  const base = String(30000000 + n * 7919).slice(0, 8);
  for (let check = 0; check < 10; check++) {
    const candidate = base + check;
    const sum = [...candidate].reverse().reduce((s, c, i) => {
      let d = Number(c) * (i % 2 ? 2 : 1);
      if (d > 9) d -= 9;
      return s + d;
    }, 0);
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

const rss = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} Mo`;

async function main(): Promise<void> {
  const { db, url } = await freshBenchDatabase(NAME);
  const knex = db.knex;
  const t0 = Date.now();
  await insertAidTypes(knex);
  const [assoc] = await knex('organisations').insert({ kind: 'association', name: 'Association Entraide Logement', city: 'Paris' }).returning('id');
  const [user] = await knex('users')
    .insert({
      organisation_id: (assoc as { id: string }).id,
      role: 'operator',
      email: 'banc@reporting.test',
      first_name: 'Banc',
      last_name: 'Essai',
      password_hash: 'x',
    })
    .returning('id');
  const userId = (user as { id: string }).id;
  await knex('organisations').insert(
    Array.from({ length: LANDLORDS }, (_v, i) => ({ kind: 'landlord', name: `Bailleur banc ${i + 1}`, siren: siren(i + 1), city: 'Lyon' })),
  );
  // households: landlord and postcode from their number
  await knex.raw(
    `with o as (select array_agg(id order by name) ids from organisations where kind = 'landlord')
     insert into households (organisation_id, address_line1, postcode, city, tenancy_reference, rent_cents, charges_cents, entry_date)
     select o.ids[1 + i % ${LANDLORDS}], i || ' rue du Banc', (?::text[])[1 + (i / ${LANDLORDS}) % ${POSTCODES.length}], 'Ville', 'BANC-' || i, 40000 + (i % 300) * 100, 8000, date '2015-01-01'
     from generate_series(0, ? - 1) i, o`,
    [POSTCODES, Math.ceil(REQUESTS / 2.5)],
  );
  await knex.raw('create temporary table bench_households as select id, organisation_id, row_number() over (order by id) - 1 as n from households');
  // requests over the 24 months before December 2026, every aid type
  await knex.raw(
    `with t as (select array_agg(a.id order by a.code) ids, array_agg(v.id order by a.code) versions
                from aid_types a join lateral (select id from aid_type_versions where aid_type_id = a.id order by number desc limit 1) v on true),
          h as (select count(*) n from bench_households)
     insert into aid_requests (organisation_id, household_id, aid_type_id, aid_type_version_id, status, situation, requested_cents, granted_cents,
                               tenant_name, created_by, reference, submitted_at, decided_at)
     select b.organisation_id, b.id, t.ids[1 + i % array_length(t.ids, 1)], t.versions[1 + i % array_length(t.ids, 1)],
            case when i % 10 < 6 then 'paid' when i % 10 < 8 then 'refused' when i % 10 = 8 then 'adjourned' else 'in_review' end,
            '{}'::jsonb, 10000 + (i::bigint * 7919) % 190000, case when i % 10 < 6 then 10000 + (i::bigint * 7919) % 190000 end,
            'Locataire ' || i, ?, 'B' || lpad(i::text, 7, '0'),
            timestamptz '2024-12-01 08:00+01' + (i::double precision / ? * interval '730 days'),
            case when i % 10 < 9 then timestamptz '2024-12-01 08:00+01' + (i::double precision / ? * interval '730 days') + ((i % 40) * interval '1 day') end
     from generate_series(0, ? - 1) i cross join t cross join h
     join bench_households b on b.n = i % h.n`,
    [userId, REQUESTS, REQUESTS, REQUESTS],
  );
  await knex.raw(
    `insert into decisions (request_id, kind, status, amount_cents, instalments, first_due_date, reason_code, adjourned_until, needs_validation, proposed_by, proposed_by_label, proposed_at)
     select r.id, case r.status when 'refused' then 'refuse' when 'adjourned' then 'adjourn' else 'grant' end, 'applied',
            r.granted_cents, case when r.status = 'paid' then 1 end, case when r.status = 'paid' then (r.decided_at + interval '10 days')::date end,
            case when r.status = 'refused' then 'not_eligible' end, case when r.status = 'adjourned' then (r.decided_at + interval '60 days')::date end,
            false, ?, 'Banc', r.decided_at
     from aid_requests r where r.decided_at is not null`,
    [userId],
  );
  // one transfer per grant, sent in the batch of its day (one batch per day)
  const [payee] = await knex('payees').insert({ kind: 'supplier', name: 'Créancier du banc' }).returning('id');
  const [account] = await knex('bank_accounts')
    .insert({
      payee_id: (payee as { id: string }).id,
      holder_name: 'Créancier du banc',
      iban: 'FR7630006000011234567890189',
      status: 'confirmed',
      submitted_by_label: 'Banc',
      submitted_at: new Date(),
      reviewed_by_label: 'Banc',
      reviewed_at: new Date(),
    })
    .returning('id');
  const [debtor] = await knex('debtor_accounts')
    .insert({ label: 'Compte courant', holder_name: 'Association', iban: 'FR1420041010050500013M02606', is_default: true })
    .returning('id');
  const [blob] = await knex('blobs')
    .insert({ content_type: 'application/xml', size: 1, sha256: '0', data: Buffer.from('x') })
    .returning('id');
  await knex.raw(
    `insert into payments (request_id, decision_id, organisation_id, instalment, instalments, amount_cents, due_date, payee_kind, payee_name, payee_iban, payee_id, status, end_to_end_id)
     select r.id, d.id, r.organisation_id, 1, 1, d.amount_cents, d.first_due_date, 'supplier', 'Créancier du banc', 'FR7630006000011234567890189', ?, 'settled', 'E' || r.reference
     from decisions d join aid_requests r on r.id = d.request_id where d.kind = 'grant'`,
    [(payee as { id: string }).id],
  );
  await knex.raw(
    `insert into payment_batches (number, debtor_account_id, execution_date, msg_id, payment_info_id, status, transaction_count, control_sum_cents,
                                  file_blob_id, file_name, file_sha256, generated_by_label, generated_at, transmitted_at)
     select row_number() over (order by day), ?, day, 'MSG-' || day, 'PMT-' || day, 'settled', 1, 1, ?, 'banc.xml', '0', 'Banc', day::timestamptz, day::timestamptz + interval '9 hours'
     from (select distinct due_date as day from payments) days`,
    [(debtor as { id: string }).id, (blob as { id: string }).id],
  );
  await knex.raw(
    `insert into payment_batch_items (batch_id, payment_id, end_to_end_id, amount_cents, bank_account_id, creditor_name, iban, remittance)
     select b.id, p.id, p.end_to_end_id, p.amount_cents, ?, 'Créancier du banc', p.payee_iban, 'Aide'
     from payments p join payment_batches b on b.execution_date = p.due_date`,
    [(account as { id: string }).id],
  );
  // support missions (one for ten requests), three sessions each, half of them completed
  const types = await knex('mission_types')
    .insert([
      { code: 'DIAG', label: 'Diagnostic social', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 },
      { code: 'BUDGET', label: 'Accompagnement budgétaire', default_minutes: 1200, billing_mode: 'hourly', rate_cents: 4999 },
      { code: 'DOSSIER', label: 'Montage de dossiers', default_minutes: 360, billing_mode: 'flat', rate_cents: 25000 },
    ])
    .returning('id');
  await knex.raw(
    `with h as (select count(*) n from bench_households)
     insert into missions (reference, organisation_id, household_id, mission_type_id, status, origin, reason, planned_minutes, ordered_by, ordered_by_label,
                           ordered_at, accepted_at, started_at, ended_at, adviser_id, consent, outcome)
     select 'M2026-' || lpad(i::text, 6, '0'), b.organisation_id, b.id, (?::uuid[])[1 + i % 3], case when i % 2 = 0 then 'completed' else 'in_progress' end,
            'association', 'Banc', 240, ?, 'Banc', at, at + interval '3 days', at + interval '5 days', case when i % 2 = 0 then at + interval '50 days' end, ?,
            '{"date":"2026-01-01","method":"in_person","recordedBy":"Banc"}'::jsonb, case when i % 2 = 0 then 'Fin' end
     from (select i, timestamptz '2024-12-01 08:00+01' + (i::double precision / ? * interval '730 days') as at from generate_series(0, ? - 1) i) g cross join h
     join bench_households b on b.n = (i * 7) % h.n`,
    [types.map((t: { id: string }) => t.id), userId, userId, REQUESTS / 10, REQUESTS / 10],
  );
  await knex.raw(
    `insert into mission_sessions (mission_id, held_on, duration_minutes, kind, participants, summary, recorded_by, recorded_by_label, created_at)
     select m.id, (m.started_at + k * interval '12 days')::date, 30 + k * 15, 'office', 'Le ménage', 'Point', ?, 'Banc', m.started_at
     from missions m, generate_series(0, 2) k`,
    [userId],
  );
  await knex.raw('vacuum analyze');
  const count = async (table: string) => Number((await knex(table).count<{ n: string }[]>('* as n'))[0]?.n);
  process.stdout.write(
    `Entraide bench:funder-reporting — PostgreSQL, ${await count('aid_requests')} demandes, ${await count('decisions')} décisions, ${await count('payments')} virements, ` +
      `${await count('missions')} accompagnements, ${await count('mission_sessions')} entretiens, préparés en ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-bench-reporting-'));
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'development', FUNDER_DIR: funderDir });
  const clock = new FakeClock(new Date('2026-12-03T05:00:00Z'));
  const services = createServices(db, config, clock, createLogger('silent'));
  const reporting = new FunderReporting({ db: knex, clock, outbound: services.funderOutbound });
  try {
    const indicators = await measure(() => reporting.indicators(MONTH));
    const secret = indicators.result.filter((r) => r.secret).length;
    process.stdout.write(
      `indicators(${MONTH}) : ${indicators.result.length} enregistrements dont ${secret} secrets en ${indicators.seconds.toFixed(2)} s, RSS de pointe ${indicators.peakMb.toFixed(0)} Mo (au départ ${indicators.baselineMb.toFixed(0)} Mo)\n`,
    );
    const sending = await measure(() => reporting.sendMonth(MONTH));
    const delivered = fs.readdirSync(path.join(funderDir, 'depot'));
    process.stdout.write(
      `sendMonth(${MONTH}) : fichier ${sending.result.file} (${sending.result.records} enregistrements, ${sending.result.deliveries.map((d) => d.status).join(', ')}) ` +
        `en ${sending.seconds.toFixed(2)} s, RSS de pointe ${sending.peakMb.toFixed(0)} Mo\n` +
        `maxRSS du processus (process.resourceUsage) : ${rss()}\n`,
    );
    if (!delivered.includes(sending.result.file) || indicators.seconds > 10 || sending.seconds > 10 || process.resourceUsage().maxRSS / 1024 > 300)
      process.exitCode = 1;
  } finally {
    services.mailer.close();
    await db.close();
    fs.rmSync(funderDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
