/**
 * Duplicate-search benchmark: 1,000,000 persons, then the same query the live check and the save
 * run (PersonRepository.findDuplicates), timed over hits and misses. Prints p50/p95/max in ms and
 * the query plan.
 *   BENCH_DATABASE_URL=postgres://…/entraide_bench npm run bench:duplicates
 * Without BENCH_DATABASE_URL it runs on an in-memory PGlite (BENCH_PERSONS defaults to 200,000 there).
 */
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { PersonRepository } from '../src/households/persons-repository';

const url = process.env.BENCH_DATABASE_URL;
const PERSONS = Number(process.env.BENCH_PERSONS ?? (url ? 1_000_000 : 200_000));
const PROBES = Number(process.env.BENCH_PROBES ?? 300);

const LAST = [
  'martin',
  'bernard',
  'thomas',
  'petit',
  'robert',
  'richard',
  'durand',
  'dubois',
  'moreau',
  'laurent',
  'simon',
  'michel',
  'lefebvre',
  'leroy',
  'roux',
  'david',
  'bertrand',
  'morel',
  'fournier',
  'girard',
  'haddad',
  'diallo',
  'nguyen',
  'lefevredupont',
  'garcia',
];
const FIRST = [
  'marie',
  'jean',
  'pierre',
  'michel',
  'sophie',
  'nathalie',
  'isabelle',
  'karim',
  'fatima',
  'mamadou',
  'aminata',
  'eloise',
  'hugo',
  'lea',
  'ines',
  'noah',
  'julie',
  'paul',
  'camille',
  'lucas',
];

async function main(): Promise<void> {
  const db = url ? openDatabase({ kind: 'postgres', url, poolMax: 2 }) : openDatabase({ kind: 'pglite' });
  const knex = db.knex;
  await migrateLatest(knex);
  const n = (await knex('persons').count<Array<{ n: string }>>('* as n'))[0]?.n ?? '0';
  if (Number(n) < PERSONS) {
    const started = Date.now();
    // names spread so that each (last, first, birth date) is rare, like real people; e-mails and phones for some
    await knex.raw(
      `insert into persons (last_name, first_names, birth_date, email, phone, employment_status, search_last_name, search_first_name)
       select l || (i % 997)::text, f, date '1940-01-01' + (i::bigint * 7919 % 25000)::int, case when i % 3 = 0 then 'p' || i || '@exemple.fr' end,
              case when i % 4 = 0 then '06' || lpad((i % 100000000)::text, 8, '0') end, 'private_employee', l || (i % 997)::text, f
       from generate_series(?::int, ?::int) as i,
            lateral (select (?::text[])[1 + i % ?] as l, (?::text[])[1 + (i / 7) % ?] as f) names`,
      [Number(n) + 1, PERSONS, LAST, LAST.length, FIRST, FIRST.length],
    );
    await knex.raw('analyze persons');
    process.stdout.write(`inserted ${PERSONS - Number(n)} persons in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const repo = new PersonRepository();
  const sample = await knex('persons')
    .select('last_name', 'first_names', 'birth_date', 'email', 'phone')
    .orderByRaw('random()')
    .limit(PROBES / 2);
  const probes = [
    ...sample.map((p) => ({ lastName: p.last_name, firstNames: p.first_names, birthDate: p.birth_date, email: p.email, phone: p.phone })),
    ...sample.map((p, i) => ({
      lastName: `Inconnu${i}`,
      firstNames: 'Personne',
      birthDate: '1999-12-31',
      email: `absent${i}@exemple.fr`,
      phone: '0799999999',
    })),
  ];
  for (const p of probes.slice(0, 10)) await repo.findDuplicates(knex, p); // warm-up
  const times: number[] = [];
  let hits = 0;
  for (const p of probes) {
    const t = performance.now();
    const matches = await repo.findDuplicates(knex, p);
    times.push(performance.now() - t);
    if (matches.length) hits++;
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => (times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? 0).toFixed(2);
  process.stdout.write(
    `duplicate search on ${PERSONS.toLocaleString('fr-FR')} persons (${db.kind}): ${probes.length} probes, ${hits} with matches — p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${(times[times.length - 1] ?? 0).toFixed(2)} ms\n`,
  );
  const probe = probes[0];
  if (probe) {
    const plan = await knex.raw(`explain analyze ${repo.duplicatesQuery(knex, probe).toString()}`);
    const rows = (plan as { rows?: Array<Record<string, string>> }).rows ?? [];
    process.stdout.write(`${rows.map((r) => Object.values(r)[0]).join('\n')}\n`);
  }
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
