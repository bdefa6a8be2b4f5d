/**
 * One SEPA batch of 20,000 due payments (BENCH_PAYMENTS): selected under the generation lock,
 * built as pain.001.001.03, validated against both schemas, stored with its items, payments
 * marked batched — timed, with the process's peak RSS. Runs on PostgreSQL, in a database it
 * creates afresh each time (entraide_bench_sepa on BENCH_SERVER_URL).
 *   npm run bench:sepa
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { FakeClock } from '../src/shared/clock';
import { insertAidTypes } from '../seeds/demo';
import { freshBenchDatabase } from './database';
import { measure } from './measure';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 20_000);
const NAME = 'entraide_bench_sepa';

async function main(): Promise<void> {
  const { db, url } = await freshBenchDatabase(NAME);
  const knex = db.knex;
  await insertAidTypes(knex);
  const t0 = Date.now();
  const [org] = await knex('organisations').insert({ kind: 'landlord', name: 'Société d’HLM Île-de-France — Œuvre', city: 'Paris' }).returning('id');
  const orgId = (org as { id: string }).id;
  const [user] = await knex('users')
    .insert({ organisation_id: orgId, role: 'landlord_instructor', email: 'bench@sepa.test', first_name: 'Banc', last_name: 'Essai', password_hash: 'x' })
    .returning('id');
  const [household] = await knex('households')
    .insert({
      organisation_id: orgId,
      address_line1: '1 rue du Banc',
      postcode: '75011',
      city: 'Paris',
      tenancy_reference: 'BANC-1',
      rent_cents: 50000,
      charges_cents: 8000,
      entry_date: '2020-01-01',
    })
    .returning('id');
  const aid = await knex('aid_types').where({ code: 'AQ' }).first('id');
  const [payee] = await knex('payees').insert({ kind: 'landlord', organisation_id: orgId, name: 'Société d’HLM Île-de-France — Œuvre' }).returning('id');
  await knex('bank_accounts').insert({
    payee_id: (payee as { id: string }).id,
    holder_name: 'Société d’HLM Île-de-France — Œuvre',
    iban: 'FR7630006000011234567890189',
    bic: 'AGRIFRPPXXX',
    status: 'confirmed',
    submitted_by_label: 'Banc',
    submitted_at: new Date(),
    reviewed_by_label: 'Banc',
    reviewed_at: new Date(),
  });
  await knex('debtor_accounts').insert({
    label: 'Compte courant',
    holder_name: 'Association Entraide Logement',
    iban: 'FR1420041010050500013M02606',
    bic: 'PSSTFRPPXXX',
    is_default: true,
  });
  await knex.raw(
    `insert into aid_requests (organisation_id, household_id, aid_type_id, aid_type_version_id, status, situation, requested_cents, granted_cents, tenant_name, created_by, reference, submitted_at, decided_at)
     select ?, ?, ?, (select id from aid_type_versions where aid_type_id = ? order by number desc limit 1), 'granted', '{}'::jsonb, 10000 + (i * 7919) % 190000, 10000 + (i * 7919) % 190000, 'Locataire ' || i, ?, '2026-' || lpad(i::text, 6, '0'), now(), now()
     from generate_series(1, ?) i`,
    [orgId, (household as { id: string }).id, aid.id, aid.id, (user as { id: string }).id, PAYMENTS],
  );
  await knex.raw(
    `insert into decisions (request_id, kind, status, amount_cents, instalments, first_due_date, needs_validation, proposed_by, proposed_by_label, proposed_at)
     select r.id, 'grant', 'applied', r.granted_cents, 1, date '2026-12-01', false, ?, 'Banc', now() from aid_requests r where r.organisation_id = ?`,
    [(user as { id: string }).id, orgId],
  );
  await knex.raw(
    `insert into payments (request_id, decision_id, organisation_id, instalment, instalments, amount_cents, due_date, payee_kind, payee_name, payee_iban, payee_id, status, end_to_end_id)
     select r.id, d.id, r.organisation_id, 1, 1, r.granted_cents, date '2026-12-01', 'landlord', 'Banc', 'FR7630006000011234567890189', ?, 'scheduled', 'E' || r.reference || '-01'
     from aid_requests r join decisions d on d.request_id = r.id where r.organisation_id = ?`,
    [(payee as { id: string }).id, orgId],
  );
  await knex.raw('vacuum analyze');
  const expected = (await knex('payments').sum<{ s: string }[]>('amount_cents as s'))[0]?.s;
  process.stdout.write(`Entraide bench:sepa — PostgreSQL, ${PAYMENTS} échéances dues préparées en ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'development' });
  const services = createServices(db, config, new FakeClock(new Date('2026-11-30T01:00:00Z')), createLogger('silent'));
  const { result, seconds, peakMb, baselineMb } = await measure(() => services.batches.generate('2026-11-30', { userId: null, label: 'Banc d’essai' }, null));
  const batch = result.batches[0];
  const stored = await knex('payment_batches').first('transaction_count', 'control_sum_cents', 'file_sha256');
  const size = await knex('blobs').whereIn('id', knex('payment_batches').select('file_blob_id')).first<{ n: number }>(knex.raw('octet_length(data) as n'));
  process.stdout.write(
    `lot ${batch?.msgId} : ${batch?.transactions} virements, ${stored.control_sum_cents} centimes (attendu ${expected}), fichier de ${(size.n / 1e6).toFixed(1)} Mo validé par les deux schémas\n` +
      `génération + validation + enregistrement : ${seconds.toFixed(2)} s, RSS de pointe ${peakMb.toFixed(0)} Mo (au départ ${baselineMb.toFixed(0)} Mo)\n`,
  );
  if (String(stored.control_sum_cents) !== String(expected) || batch?.transactions !== PAYMENTS) process.exitCode = 1;
  services.mailer.close();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
