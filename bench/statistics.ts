/**
 * The statistics page at volume (issue 16: p95 ≤ 150 ms at 20 users over 500,000 requests and
 * 2,000,000 ledger lines, on PostgreSQL). The volume is the one of bench:requests (seeds/scale.ts,
 * 500,000 requests over 150 landlords) with what the statistics count beside it: the decisions of
 * the decided requests, one transfer per grant in daily batches, information asked and answered,
 * 50,000 support missions with their sessions and objectives, households over 30 départements,
 * varied causes and compositions, and 2,000,000 ledger lines (as bench:fec). Kept between runs in
 * entraide_bench_statistics on BENCH_SERVER_URL (or BENCH_DATABASE_URL), topped up when short.
 * Then:
 * (a) a full refresh of the aggregates (`refresh('all')`) and a recent one (`refresh('recent')`),
 *     with the aggregates' row counts, and the SQL queries one page makes;
 * (b) the extranet as its own process, in production mode (as bench:requests): GET /statistiques
 *     as an association administrator and as a landlord administrator (both with their second
 *     factor), by default and filtered (an aid type + a département), BENCH_CONCURRENCY users for
 *     BENCH_SECONDS after BENCH_WARMUP_SECONDS not counted: req/s, p50, p95, p99;
 * (c) the chart image demandes.svg: first draws (every request a period not drawn yet) and cached.
 *   npm run bench:statistics
 * BENCH_ONLY=<part of a label> measures only those pages; BENCH_SKIP_REFRESH=1 keeps the aggregates.
 */
import { waitReady } from './production-env';
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { CAUSES as CAUSE_LABELS } from '../src/aid-requests/filing/schemas';
import { StatisticsService } from '../src/statistics/service';
import knexFactory, { type Knex } from 'knex';
import { authenticator } from 'otplib';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { createLogger } from '../src/logger';
import type { Actor } from '../src/permissions';
import { createServices } from '../src/services';
import { FieldCipher } from '../src/shared/field-cipher';
import { systemClock } from '../src/shared/clock';
import { SCALE_PASSWORD, seedScale } from '../seeds/scale';
import { measure } from './measure';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const NAME = 'entraide_bench_statistics';
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 500_000);
const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3908);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CHART_DRAWS = Number(process.env.BENCH_CHART_DRAWS ?? 300);
const ADMIN = 'admin@echelle.test';
const LANDLORD_ADMIN = 'administrateur1@echelle.test';
// a TOTP key known to the bench (base32), enrolled for both administrators at each run
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const POSTCODES = ['69003', '75011', '13001', '33000', '31000', '59000', '44000', '67000', '34000', '35000'].concat(
  ['06000', '38000', '20090', '97411', '97200', '93200', '94000', '92100', '76000', '57000'],
  ['54000', '21000', '37000', '63000', '87000', '29200', '80000', '45000', '51100', '72000'],
);
const CAUSES = ['job_loss', 'illness', 'separation', 'death', 'income_drop', 'other'];

/** The server's environment: production, as bench:requests, with the production checks satisfied. */
const SERVER_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  PORT: String(PORT),
  BASE_URL: `https://127.0.0.1:${PORT}`,
  TRUST_PROXY: 'true',
  LOG_LEVEL: 'silent',
  SESSION_SECRET: 'bench-session-secret-bench-session-secret-01',
  LINK_SIGNING_SECRET: 'bench-link-secret-bench-link-secret-bench-02',
  DATA_ENCRYPTION_KEY: `b1:${Buffer.alloc(32, 7).toString('base64')}`,
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: '2525',
  DATABASE_POOL_MAX: '10',
  LOGIN_RATE_LIMIT_PER_15_MIN: '1000',
};
// behind its TLS proxy, as in production: the proxy says the request came over https
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '127.0.0.1' };

const count = async (knex: Knex, table: string) => Number((await knex(table).count<{ n: string }[]>('* as n'))[0]?.n ?? 0);
const line = (text: string) => process.stdout.write(`${text}\n`);

async function databaseUrl(): Promise<string> {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const admin = knexFactory({ client: 'pg', connection: SERVER, pool: { min: 0, max: 1 } });
  try {
    if (!(await admin.raw('select 1 from pg_database where datname = ?', [NAME])).rows.length) await admin.raw(`create database ${NAME}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(SERVER);
  url.pathname = `/${NAME}`;
  return url.toString();
}

/** Brings the database up to the volume: each part added once, when missing. */
async function fill(knex: Knex, cipher: FieldCipher): Promise<void> {
  const t0 = Date.now();
  const echelle = "created_by in (select id from users where email like '%@echelle.test')";
  const have = Number((await knex('aid_requests').whereRaw(echelle).count<{ n: string }[]>('* as n'))[0]?.n ?? 0);
  if (have < REQUESTS) {
    line(`Génération de ${REQUESTS - have} demandes…`);
    await seedScale(knex, REQUESTS - have, (l) => line(`  ${l}`), cipher);
  }
  const operatorId = (await knex('users').where({ email: 'operateur@echelle.test' }).first<{ id: string }>('id')).id;
  // seeds/scale puts every household in 69003 and every request alike: spread them (départements, causes, compositions)
  if (Number((await knex('households').countDistinct<{ n: string }[]>('postcode as n'))[0]?.n) < POSTCODES.length) {
    await knex.raw(`update households set postcode = (?::text[])[1 + abs(hashtext(id::text)) % ${POSTCODES.length}] where tenancy_reference like 'ECH-%'`, [
      POSTCODES,
    ]);
    await knex.raw(
      `update aid_requests set situation = jsonb_set(jsonb_set(situation, '{cause}', to_jsonb((?::text[])[1 + abs(hashtext(id::text)) % ${CAUSES.length}])),
                                                      '{members}', (select jsonb_agg(m) from jsonb_array_elements(situation->'members') m, generate_series(1, 1 + abs(hashtext(id::text || 'm')) % 5)))
       where ${echelle} and situation->'members' is not null`,
      [CAUSES],
    );
    line(`  départements, causes et compositions variés (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  if (!(await knex('decisions').first('id'))) {
    await knex.raw(
      `insert into decisions (request_id, kind, status, amount_cents, instalments, first_due_date, reason_code, adjourned_until, needs_validation, proposed_by, proposed_by_label, proposed_at)
       select r.id, case r.status when 'refused' then 'refuse' when 'adjourned' then 'adjourn' else 'grant' end, 'applied',
              r.granted_cents, case when r.granted_cents is not null then 1 end, case when r.granted_cents is not null then (r.decided_at + interval '10 days')::date end,
              case when r.status = 'refused' then 'not_eligible' end, case when r.status = 'adjourned' then (r.decided_at + interval '60 days')::date end,
              false, ?, 'Banc', r.decided_at
       from aid_requests r where r.decided_at is not null`,
      [operatorId],
    );
    line(`  décisions (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  if (!(await knex('payments').first('id'))) {
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
    // one transfer per grant of a paid or closed request, sent in the batch of its day
    await knex.raw(
      `insert into payments (request_id, decision_id, organisation_id, instalment, instalments, amount_cents, due_date, payee_kind, payee_name, payee_iban, payee_id, status, end_to_end_id)
       select r.id, d.id, r.organisation_id, 1, 1, d.amount_cents, d.first_due_date, 'supplier', 'Créancier du banc', 'FR7630006000011234567890189', ?, 'settled', 'E' || r.reference
       from decisions d join aid_requests r on r.id = d.request_id where d.kind = 'grant' and r.status in ('paid', 'closed')`,
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
    // information asked (3 days after filing) and answered (4 days later) for one request in ten
    await knex.raw(
      `insert into request_events (request_id, occurred_at, actor_user_id, actor_label, kind, message)
       select r.id, r.submitted_at + k * interval '1 day', ?, 'Banc', case k when 3 then 'information_request' else 'information_answer' end, 'Banc'
       from aid_requests r, (values (3), (7)) v(k)
       where r.submitted_at is not null and abs(hashtext(r.id::text)) % 10 = 0 and (r.decided_at is null or r.decided_at > r.submitted_at + interval '7 days')`,
      [operatorId],
    );
    line(`  virements, remises et demandes d’information (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  if (!(await knex('missions').first('id'))) {
    const types = await knex('mission_types')
      .insert([
        { code: 'DIAG', label: 'Diagnostic social', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 },
        { code: 'BUDGET', label: 'Accompagnement budgétaire', default_minutes: 1200, billing_mode: 'hourly', rate_cents: 4999 },
        { code: 'DOSSIER', label: 'Montage de dossiers', default_minutes: 360, billing_mode: 'flat', rate_cents: 25000 },
      ])
      .onConflict('code')
      .merge()
      .returning('id');
    const advisers = (await knex('users').where('email', 'like', 'operateur%@echelle.test').orderBy('email').select('id')).map((u: { id: string }) => u.id);
    const missions = Math.round(REQUESTS / 10);
    // one mission for ten requests over the last five years: half completed, a tenth interrupted, the rest under way
    await knex.raw(
      `with h as (select array_agg(id order by id) ids, array_agg(organisation_id order by id) orgs from households where tenancy_reference like 'ECH-%')
       insert into missions (reference, organisation_id, household_id, mission_type_id, status, origin, reason, planned_minutes, ordered_by, ordered_by_label,
                             ordered_at, accepted_at, started_at, ended_at, adviser_id, consent, outcome, interruption_reason)
       select 'MB-' || lpad(i::text, 6, '0'), h.orgs[1 + (i * 7) % array_length(h.ids, 1)], h.ids[1 + (i * 7) % array_length(h.ids, 1)], (?::uuid[])[1 + i % 3],
              case when i % 10 < 5 then 'completed' when i % 10 = 5 then 'interrupted' else 'in_progress' end,
              'association', 'Banc', 240, ?, 'Banc', at, at + interval '3 days', at + interval '5 days', case when i % 10 <= 5 then at + interval '50 days' end,
              (?::uuid[])[1 + i % ${advisers.length}], '{"date":"2026-01-01","method":"in_person","recordedBy":"Banc"}'::jsonb, case when i % 10 < 5 then 'Fin' end,
              case when i % 10 = 5 then 'Déménagement' end
       from (select i, now() - interval '1850 days' + (i::double precision / ? * interval '1840 days') as at from generate_series(0, ? - 1) i) g cross join h`,
      [types.map((t: { id: string }) => t.id), operatorId, advisers, missions, missions],
    );
    await knex.raw(
      `insert into mission_sessions (mission_id, held_on, duration_minutes, kind, participants, summary, recorded_by, recorded_by_label, created_at)
       select m.id, (m.started_at + k * interval '12 days')::date, 30 + k * 15, 'office', 'Le ménage', 'Point', ?, 'Banc', m.started_at
       from missions m, generate_series(0, 2) k where m.started_at + k * interval '12 days' < now()`,
      [operatorId],
    );
    await knex.raw(
      `insert into mission_objectives (mission_id, position, category, text, result)
       select m.id, k, 'budget', 'Objectif ' || k, case when m.status = 'completed' then (array['reached', 'partly', 'not_reached'])[1 + (k + length(m.reference)) % 3] end
       from missions m, generate_series(1, 2) k`,
    );
    line(`  ${missions} accompagnements, leurs entretiens et objectifs (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  const lines = await count(knex, 'ledger_lines');
  if (lines < LINES) {
    // as bench:fec: balanced entries loaded in bulk, the balance triggers off for this load only
    const have2 = lines - (lines % 2);
    const entries = Math.ceil((LINES - have2) / 2);
    await knex.transaction(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      await trx.raw(
        `insert into ledger_entries (fiscal_year, journal_code, number, number_text, entry_date, piece_ref, piece_date, label, validated_at, source_type, created_by_label)
         select 2026, case when i % 2 = 0 then 'OD' else 'BQ' end, ? + i, '2026-' || lpad((? + i)::text, 7, '0'), date '2026-01-01' + (i * 365 / ?)::int,
                'P' || i, date '2026-01-01' + (i * 365 / ?)::int, 'Aide 2026-' || lpad(i::text, 7, '0'),
                timestamptz '2026-01-01 08:00:00+01' + (i * interval '15 seconds'), 'grant', 'Banc'
         from generate_series(1, ?) i`,
        [have2 / 2, have2 / 2, entries, entries, entries],
      );
      await trx.raw(
        `insert into ledger_lines (entry_id, line_no, account_number, account_label, aux_number, aux_label, label, debit_cents, credit_cents)
         select e.id, l.n, case when l.n = 1 then '6571' else '4672' end, case when l.n = 1 then 'Aides financières octroyées' else 'Créditeurs divers' end,
                case when l.n = 2 then 'T' || lpad((e.number % 150)::text, 6, '0') end, case when l.n = 2 then 'Bailleur ' || (e.number % 150) end,
                e.label, case when l.n = 1 then 10000 + e.number % 90000 else 0 end, case when l.n = 2 then 10000 + e.number % 90000 else 0 end
         from ledger_entries e cross join (values (1), (2)) l(n) where e.number > ?`,
        [have2 / 2],
      );
    });
    line(`  ${LINES - lines} lignes d’écriture (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  if (Date.now() - t0 > 5000) await knex.raw('vacuum analyze');
}

/** The two administrators measured, each with the bench's TOTP key enrolled (their last code forgotten, so a new login passes). */
async function administrators(knex: Knex, cipher: FieldCipher): Promise<{ admin: Actor; landlordAdmin: Actor }> {
  const model = await knex('users')
    .where({ email: 'operateur@echelle.test' })
    .first<{ password_hash: string; organisation_id: string }>('password_hash', 'organisation_id');
  const landlord = await knex('users').where({ email: 'instructeur1@echelle.test' }).first<{ organisation_id: string }>('organisation_id');
  const rows: Array<[string, string, string]> = [
    [ADMIN, 'admin', model.organisation_id],
    [LANDLORD_ADMIN, 'landlord_admin', landlord.organisation_id],
  ];
  const actors: Actor[] = [];
  for (const [email, role, organisationId] of rows) {
    if (!(await knex('users').where({ email }).first('id')))
      await knex('users').insert({ organisation_id: organisationId, role, email, first_name: 'Banc', last_name: role, password_hash: model.password_hash });
    await knex('users')
      .where({ email })
      .update({ totp_secret: cipher.encrypt(TOTP_SECRET, 'users.totp_secret'), totp_enabled_at: new Date(), totp_last_step: null });
    const user = await knex('users as u')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where('u.email', email)
      .first<{ id: string; kind: Actor['organisationKind'] }>('u.id', 'o.kind');
    actors.push({ userId: user.id, role: role as Actor['role'], organisationId, organisationKind: user.kind, name: `Banc ${role}` });
  }
  return { admin: actors[0] as Actor, landlordAdmin: actors[1] as Actor };
}

async function main(): Promise<void> {
  const url = await databaseUrl();
  const env = { ...process.env, ...SERVER_ENV, DATABASE_URL: url };
  const config = loadConfig(env);
  const cipher = new FieldCipher(config.dataEncryption);
  const db = openDatabase({ kind: 'postgres', url, poolMax: 4 });
  await migrateLatest(db.knex);
  await fill(db.knex, cipher);
  const { admin, landlordAdmin } = await administrators(db.knex, cipher);
  const services = createServices(db, config, systemClock, createLogger('silent'));
  const typeRow = await db.knex('aid_types').orderBy('code').first<{ id: string; label: string }>('id', 'label');
  const filter = `type=${typeRow.id}&dep=69`;
  try {
    line(
      `Entraide bench:statistics — PostgreSQL, ${await count(db.knex, 'aid_requests')} demandes, ${await count(db.knex, 'decisions')} décisions, ` +
        `${await count(db.knex, 'payments')} virements, ${await count(db.knex, 'request_events')} événements, ${await count(db.knex, 'missions')} accompagnements, ` +
        `${await count(db.knex, 'mission_sessions')} entretiens, ${await count(db.knex, 'ledger_lines')} lignes d’écriture`,
    );
    if (!process.env.BENCH_SKIP_REFRESH) {
      const all = await measure(() => services.statisticsRefresher.refresh('all'));
      const rows = `stat_cells ${await count(db.knex, 'stat_cells')}, stat_delays ${await count(db.knex, 'stat_delays')}, stat_households ${await count(db.knex, 'stat_households')}`;
      line(
        `refresh('all')    : ${all.result.months.length} mois en ${all.seconds.toFixed(1)} s (${((all.seconds * 1000) / all.result.months.length).toFixed(0)} ms par mois), RSS de pointe ${all.peakMb.toFixed(0)} Mo — ${rows}`,
      );
      const recent = await measure(() => services.statisticsRefresher.refresh('recent'));
      line(`refresh('recent') : ${recent.result.months.join(', ')} en ${recent.seconds.toFixed(2)} s`);
    }
    // what one page asks the database, in process, one user at a time
    let queries = 0;
    db.knex.on('query', () => queries++);
    for (const [label, actor, query] of [
      ['association, par défaut', admin, {}],
      ['association, filtrée (type + 69)', admin, { type: typeRow.id, dep: '69' }],
      ['bailleur, par défaut', landlordAdmin, {}],
      ['bailleur, filtrée (type + 69)', landlordAdmin, { type: typeRow.id, dep: '69' }],
    ] as Array<[string, Actor, Record<string, string>]>) {
      const query_ = { comparer: 'annee' as const, ...query };
      // cold: a view nobody asked for since the last refresh (a fresh service, nothing kept)
      const cold: number[] = [];
      queries = 0;
      for (let i = 0; i < 3; i++) {
        const fresh = new StatisticsService({ db: db.knex, clock: systemClock, refresher: services.statisticsRefresher, causeLabels: CAUSE_LABELS });
        const t = performance.now();
        await fresh.view(actor, query_);
        cold.push(performance.now() - t);
      }
      cold.sort((a, b) => a - b);
      const coldQueries = queries / 3;
      // warm: the same view asked again (kept until the next refresh)
      await services.statistics.view(actor, query_);
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await services.statistics.view(actor, query_);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      line(
        `StatisticsService.view, ${label.padEnd(32)} calculée : ${coldQueries} requêtes SQL, médiane ${(cold[1] ?? 0).toFixed(0)} ms ; déjà calculée : médiane ${(times[5] ?? 0).toFixed(1)} ms (un seul utilisateur, en processus)`,
      );
    }
    db.knex.removeAllListeners('query');
  } finally {
    services.mailer.close();
    await db.close();
  }

  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    await waitReady(base);
    const adminCookie = await login(base, ADMIN);
    const landlordCookie = await login(base, LANDLORD_ADMIN);
    const scenarios: Array<[string, string, string]> = [
      ['association admin, /statistiques', '/statistiques', adminCookie],
      ['association admin, filtered (type, dép. 69)', `/statistiques?${filter}`, adminCookie],
      ['landlord admin, /statistiques', '/statistiques', landlordCookie],
      ['landlord admin, filtered (type, dép. 69)', `/statistiques?${filter}`, landlordCookie],
      ['chart demandes.svg, cached', '/statistiques/graphiques/demandes.svg?comparer=annee', adminCookie],
    ];
    line(`GET en ${CONCURRENCY} connexions, ${SECONDS} s par cas après ${WARMUP_SECONDS} s de mise en route (serveur NODE_ENV=production, pool de 10)`);
    const only = process.env.BENCH_ONLY;
    for (const [label, path, cookie] of scenarios.filter(([label]) => !only || label.includes(only))) {
      await hammer({ url: `${base}${path}`, cookie, seconds: WARMUP_SECONDS });
      print(label, await hammer({ url: `${base}${path}`, cookie, seconds: SECONDS }));
    }
    if (!only || 'chart demandes.svg, first draw'.includes(only)) {
      // every request a period (du, au, comparer) not drawn yet: each one reads the aggregates and draws
      const paths: string[] = [];
      const current = new Date().toISOString().slice(0, 7);
      for (let back = 0; back < 24 && paths.length < CHART_DRAWS; back++)
        for (let span = 0; back + span < 24 && paths.length < CHART_DRAWS; span++)
          for (const comparer of ['annee', 'periode', 'non'])
            paths.push(`/statistiques/graphiques/demandes.svg?du=${shift(current, -(back + span))}&au=${shift(current, -back)}&comparer=${comparer}`);
      print('chart demandes.svg, first draw', await hammer({ url: base, cookie: adminCookie, paths: paths.slice(0, CHART_DRAWS) }));
    }
  } finally {
    server.kill('SIGTERM');
  }
}

const shift = (month: string, n: number): string => {
  const d = new Date(`${month}-15T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
};

function print(label: string, r: Awaited<ReturnType<typeof hammer>>): void {
  line(
    `${label.padEnd(52)} ${r.rps.toFixed(0).padStart(5)} req/s   p50 ${r.p50.toFixed(0).padStart(4)} ms   p95 ${r.p95.toFixed(0).padStart(4)} ms   p99 ${r.p99.toFixed(0).padStart(4)} ms   (${r.count} requêtes, ${r.errors} erreurs)`,
  );
}

/** Cookies by name, the later ones replacing the earlier. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0] ?? '';
      this.cookies.set(pair.slice(0, pair.indexOf('=')), pair);
    }
  }
  toString(): string {
    return [...this.cookies.values()].join('; ');
  }
}

/** Password, then the second factor's code: the session cookie of a logged-in administrator. */
async function login(base: string, email: string): Promise<string> {
  const jar = new Jar();
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { ...FORWARDED, cookie: jar.toString() }, redirect: 'manual' });
    jar.take(res);
    return /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  };
  const post = async (path: string, body: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORWARDED, cookie: jar.toString(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
    jar.take(res);
    return res;
  };
  const first = await post('/connexion', { _csrf: await get('/connexion'), email, password: SCALE_PASSWORD });
  if (first.status !== 302) throw new Error(`login of ${email} failed: ${first.status}`);
  const token = await get('/connexion/second-facteur');
  const second = await post('/connexion/second-facteur', { _csrf: token, code: authenticator.generate(TOTP_SECRET) });
  if (second.status !== 302 || second.headers.get('location')?.includes('connexion')) throw new Error(`second factor of ${email} failed: ${second.status}`);
  return jar.toString();
}

/** Drives `url` for `seconds` with CONCURRENCY connections, or each of `paths` once; p50/p95/p99 from every response. */
function hammer(o: {
  url: string;
  cookie: string;
  seconds?: number;
  paths?: string[];
}): Promise<{ rps: number; p50: number; p95: number; p99: number; count: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const paths = o.paths;
    const options: autocannon.Options = {
      url: o.url,
      connections: CONCURRENCY,
      // a slow page is measured, not counted as an error after autocannon's 10 s
      timeout: 120,
      headers: { ...FORWARDED, cookie: o.cookie },
      ...(paths
        ? { amount: paths.length, requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }] }
        : { duration: o.seconds ?? SECONDS }),
    };
    const instance = autocannon(options, (err, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
      resolve({ rps: result.requests.average, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), count: latencies.length, errors: errors + result.errors });
    });
    instance.on('response', (_client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (status !== 200) errors++;
    });
  });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
