import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/passwords';
import type { FieldCipher } from '../src/shared/field-cipher';
import { insertAidTypes } from './demo';

/**
 * A volume data set for benchmarks: 150 landlords with an instructor each, one household per
 * 2.5 requests, and `requests` aid requests spread over six years in realistic statuses (most
 * decided long ago, a few thousand open). Written by set-based SQL (generate_series), so 500,000
 * requests take about a minute on PostgreSQL. Logins: operateur@echelle.test and
 * instructeur1@echelle.test … instructeur150@echelle.test, password SCALE_PASSWORD.
 */
export const SCALE_PASSWORD = 'echelle-Entraide-2026';
const LANDLORDS = 150;

/**
 * Shares per 10,000 requests: ten years at 50,000 a year, so what is open at any moment (about three
 * weeks of filings) is a few thousand requests, and nearly everything else was decided long ago.
 */
const STATUS_SHARES: Array<[string, number]> = [
  ['closed', 5000],
  ['paid', 1500],
  ['in_payment', 200],
  ['granted', 200],
  ['refused', 2000],
  ['withdrawn', 1000],
  ['adjourned', 20],
  ['submitted', 20],
  ['in_review', 30],
  ['awaiting_information', 10],
  ['draft', 20],
];
const OPERATORS = 10;

/**
 * With a cipher, the payee's IBAN (one for all) is stored as the application writes it: encrypted,
 * with its keyed hash (one ciphertext shared by every row of the same IBAN). Without one, in
 * plaintext, like a database written before encryption: `rotate-key` then encrypts it.
 */
export async function seedScale(knex: Knex, requests: number, log: (line: string) => void = () => {}, cipher?: FieldCipher): Promise<void> {
  const started = Date.now();
  const IBAN = 'FR7630006000011234567890189';
  const payeeIban = cipher ? [cipher.encrypt(IBAN, 'aid_requests.payee_iban'), cipher.blindIndex(IBAN)] : [IBAN, null];
  if (!(await knex('aid_types').first('id'))) await insertAidTypes(knex);
  const hash = await hashPassword(SCALE_PASSWORD);
  let association = await knex('organisations').where({ kind: 'association' }).first('id');
  if (!association) [association] = await knex('organisations').insert({ kind: 'association', name: 'Association (échelle)' }).returning('id');
  for (let k = 1; k <= OPERATORS; k++) {
    const email = k === 1 ? 'operateur@echelle.test' : `operateur${k}@echelle.test`;
    if (!(await knex('users').where({ email }).first('id')))
      await knex('users').insert({
        organisation_id: association.id,
        role: 'operator',
        email,
        first_name: 'Opératrice',
        last_name: `Échelle ${k}`,
        password_hash: hash,
      });
  }
  const existing = Number((await knex('organisations').where('name', 'like', 'Bailleur échelle %').count<{ n: string }[]>('* as n'))[0]?.n ?? 0);
  for (let o = existing + 1; o <= LANDLORDS; o++) {
    const [org] = await knex('organisations')
      .insert({ kind: 'landlord', name: `Bailleur échelle ${o}`, city: 'Lyon' })
      .returning('id');
    await knex('users').insert({
      organisation_id: (org as { id: string }).id,
      role: 'landlord_instructor',
      email: `instructeur${o}@echelle.test`,
      first_name: 'Instructeur',
      last_name: `Échelle ${o}`,
      password_hash: hash,
    });
  }
  log(`organisations et comptes prêts (${Date.now() - started} ms)`);

  const households = Math.ceil(requests / 2.5);
  await knex.raw(
    `insert into households (organisation_id, address_line1, postcode, city, tenancy_reference, rent_cents, charges_cents, housing_allowance_cents, entry_date)
     select o.ids[1 + (i % array_length(o.ids, 1))], i || ' rue de l’Échelle', '69003', 'Lyon', 'ECH-' || i, 40000 + (i % 300) * 100, 8000, (i % 5) * 3000, date '2015-01-01' + (i % 3000)
     from generate_series(1, ?) i, (select array_agg(id order by name) ids from organisations where name like 'Bailleur échelle %') o`,
    [households],
  );
  log(`${households} ménages (${Date.now() - started} ms)`);

  const shares = STATUS_SHARES.map(([, n]) => n);
  const total = shares.reduce((a, b) => a + b, 0);
  const bounds = shares.reduce<number[]>((acc, n) => [...acc, (acc.at(-1) ?? 0) + n], []);
  const statusCase = `case ${STATUS_SHARES.map(([s], k) => `when (i % ${total}) < ${bounds[k]} then '${s}'`).join(' ')} end`;
  const situation = JSON.stringify({
    rentCents: 52000,
    chargesCents: 8000,
    housingAllowanceCents: 10000,
    fixedChargesCents: 0,
    arrearsCents: 104000,
    arrearsMonths: 2,
    cause: 'job_loss',
    causeComment: null,
    chargesIncreaseMonthlyCents: 0,
    chargesRegularisationCents: 0,
    members: [{ personId: '00000000-0000-0000-0000-000000000001', name: 'Titulaire', employmentStatus: 'private_employee', resourcesCents: 150000 }],
  });
  // households numbered once, then joined by number (no large array indexed per row); one
  // transaction, so the temporary table and the insert share their connection
  await knex.transaction(async (trx) => {
    await trx.raw(
      `create temporary table scale_households on commit drop as
       select h.id, h.organisation_id, u.id as user_id, row_number() over (order by h.id) as n
       from households h join users u on u.organisation_id = h.organisation_id and u.role = 'landlord_instructor' and u.email like '%@echelle.test'
       where h.tenancy_reference like 'ECH-%'`,
    );
    await trx.raw('create index on scale_households (n)');
    const count = Number((await trx('scale_households').count<{ n: string }[]>('* as n'))[0]?.n);
    const types = await trx('aid_types as t')
      .select('t.id', trx.raw('(select id from aid_type_versions v where v.aid_type_id = t.id order by number desc limit 1) as version_id'))
      .orderBy('t.code');
    const operators = (await trx('users').where('email', 'like', 'operateur%@echelle.test').orderBy('email').select('id')).map((u: { id: string }) => u.id);
    const lastNames = [
      'Martin',
      'Bernard',
      'Dubois',
      'Thomas',
      'Robert',
      'Richard',
      'Petit',
      'Durand',
      'Leroy',
      'Moreau',
      'Simon',
      'Laurent',
      'Lefebvre',
      'Michel',
      'Garcia',
      'David',
      'Bertrand',
      'Roux',
      'Vincent',
      'Fournier',
      'Morel',
      'Girard',
      'André',
      'Lefèvre',
      'Mercier',
      'Dupont',
      'Lambert',
      'Bonnet',
      'François',
      'Martinez',
      'Haddad',
      'Nguyen',
      'Diallo',
      'Koné',
      'Benali',
      'Fernandes',
      'Da Silva',
      'Rousseau',
      'Blanc',
      'Guérin',
    ];
    const firstNames = [
      'Marie',
      'Jean',
      'Sophie',
      'Karim',
      'Lucie',
      'Thomas',
      'Fatou',
      'Julien',
      'Amandine',
      'Mohamed',
      'Camille',
      'Nicolas',
      'Inès',
      'Paulo',
      'Chantal',
      'Léa',
      'Hugo',
      'Aïcha',
      'Kévin',
      'Océane',
    ];
    const list = (a: string[]) => `array[${a.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]`;
    const typeIds = list(types.map((t: { id: string }) => t.id));
    const versionIds = list(types.map((t: { version_id: string }) => t.version_id));
    const norm = (expr: string) => `lower(translate(replace(${expr}, ' ', ''), 'éèêëàâäîïôöùûüçÉÈ', 'eeeeaaaiioouuucEE'))`;
    await trx.raw(
      `insert into aid_requests (organisation_id, household_id, aid_type_id, aid_type_version_id, status, situation, requested_cents, requested_months, granted_cents,
                                 tenant_name, search_name, created_by, submitted_at, decided_at, assigned_to, payee_kind, payee_name, payee_iban, payee_iban_hash, payee_bic, consent, created_at, updated_at, reference)
       select hh.organisation_id, hh.id, (${typeIds}::uuid[])[r.t_index], case when r.status = 'draft' then null else (${versionIds}::uuid[])[r.t_index] end, r.status, ?::jsonb,
              30000 + (r.i % 270) * 1000, case when r.t_index = 2 then 1 + r.i % 6 else null end,
              case when r.status in ('granted','in_payment','paid','closed') then 30000 + (r.i % 270) * 1000 else null end,
              r.first_name || ' ' || r.last_name, ${norm('r.last_name')} || ' ' || ${norm('r.first_name')},
              hh.user_id, case when r.status = 'draft' then null else s.submitted_at end,
              case when r.status in ('granted','in_payment','paid','closed','refused','adjourned') then s.submitted_at + interval '12 days' else null end,
              case when r.status in ('in_review','awaiting_information','adjourned') then (?::uuid[])[1 + r.i % ${OPERATORS}] else null end,
              'landlord', 'Bailleur', ?, ?, 'BNPAFRPPXXX',
              case when r.status = 'draft' then null else '{"informed":true,"date":"2026-01-01","method":"paper_signed","recordedBy":"Échelle","noticeVersion":"2026-01"}'::jsonb end,
              coalesce(s.submitted_at, now()), coalesce(s.submitted_at + interval '12 days', now()),
              case when r.status = 'draft' then null else 'E' || to_char(s.submitted_at, 'YYYY') || '-' || lpad(r.i::text, 7, '0') end
       from (select i, ${statusCase} as status, 1 + (i % 3) as t_index,
                    (${list(lastNames)})[1 + (i % 40)] as last_name, (${list(firstNames)})[1 + ((i / 40) % 20)] as first_name
             from generate_series(1, ?) i) r
       join scale_households hh on hh.n = 1 + (r.i % ?)
       cross join lateral (select case when r.status in ('submitted','in_review','awaiting_information','draft') then now() - ((r.i % 60) || ' days')::interval - ((r.i % 1440) || ' minutes')::interval
                                       else now() - ((60 + r.i % 1800) || ' days')::interval end as submitted_at) s`,
      [situation, operators, ...payeeIban, requests, count],
    );
  });
  log(`${requests} demandes (${Date.now() - started} ms)`);
  // the visibility map too (index-only scans), as autovacuum would do after such a load
  await knex.raw('vacuum analyze aid_requests');
  await knex.raw('vacuum analyze households');
  log(`statistiques à jour, fini en ${Math.round((Date.now() - started) / 1000)} s`);
}
