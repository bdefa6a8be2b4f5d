/**
 * Aid-request pages at volume: the operators' queue, a landlord's filtered list and a request page,
 * on a PostgreSQL database holding BENCH_SCALE_REQUESTS requests (500,000 by default, generated
 * once by seed:scale). The extranet runs as its own process (as in production); autocannon drives
 * it with BENCH_CONCURRENCY connections for BENCH_SECONDS per page and the latencies of every
 * response give p50/p95/p99.
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/entraide_bench npm run bench:requests
 * BENCH_ONLY=<part of a label> measures only those pages.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { SCALE_PASSWORD, seedScale } from '../seeds/scale';
import { BENCH_HEADERS, benchCipher, enrolBenchLogins, login, productionEnv, waitReady } from './production-env';

const URL_ = process.env.BENCH_DATABASE_URL;
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 500_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3907);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);

async function main(): Promise<void> {
  if (!URL_) throw new Error('BENCH_DATABASE_URL is required: this bench measures PostgreSQL at volume');
  const db = openDatabase({ kind: 'postgres', url: URL_, poolMax: 2 });
  await migrateLatest(db.knex);
  const have = Number(
    (
      await db
        .knex('aid_requests')
        .whereRaw("tenant_name is not null and created_by in (select id from users where email like '%@echelle.test')")
        .count<{ n: string }[]>('* as n')
    )[0]?.n ?? 0,
  );
  if (have < REQUESTS) {
    process.stdout.write(`Génération de ${REQUESTS - have} demandes…\n`);
    await seedScale(db.knex, REQUESTS - have, (l) => process.stdout.write(`  ${l}\n`), benchCipher());
  }
  const total = Number((await db.knex('aid_requests').count<{ n: string }[]>('* as n'))[0]?.n);
  const landlord = await db.knex('users').where({ email: 'instructeur1@echelle.test' }).first('organisation_id');
  const landlordCount = Number((await db.knex('aid_requests').where({ organisation_id: landlord.organisation_id }).count<{ n: string }[]>('* as n'))[0]?.n);
  await enrolBenchLogins(db.knex, ['operateur@echelle.test', 'instructeur1@echelle.test']);
  const sample = await db.knex('aid_requests').where({ organisation_id: landlord.organisation_id, status: 'in_review' }).orderBy('id').first('id');
  await db.close();

  // as in production (every check of loadConfig passing, templates compiled once, no demo data); mails wait in the outbox
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: productionEnv(URL_, PORT),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    await waitReady(base);
    const operator = await login(base, 'operateur@echelle.test', SCALE_PASSWORD);
    const instructor = await login(base, 'instructeur1@echelle.test', SCALE_PASSWORD);
    const scenarios: Array<[string, string, string]> = [
      ['operator queue, « À prendre »', '/instruction', operator],
      ['operator queue, « Mes dossiers »', '/instruction?onglet=mes_dossiers', operator],
      ['operator queue, « Décidés »', '/instruction?onglet=decides', operator],
      ['operator queue, filtered (type, amount)', '/instruction?onglet=decides&min=500', operator],
      ['landlord list, filters + search', '/demandes?status=closed&q=martin&tri=depot', instructor],
      ['landlord list, page 1', '/demandes', instructor],
      ['association list (every landlord), page 1', '/demandes', operator],
      ['association list, name search', '/demandes?q=martin', operator],
      ['request page (synthèse)', `/demandes/${sample?.id}`, operator],
    ];
    process.stdout.write(
      `Entraide bench:requests — PostgreSQL, ${total} demandes (${landlordCount} pour le bailleur mesuré), ${CONCURRENCY} connexions, ${SECONDS} s par page après ${WARMUP_SECONDS} s de mise en route\n`,
    );
    // BENCH_ONLY=association measures only the pages whose label contains it
    const only = process.env.BENCH_ONLY;
    for (const [label, path, cookie] of scenarios.filter(([label]) => !only || label.includes(only))) {
      // a running extranet is warm: compiled code, PostgreSQL's caches; the first seconds are not counted
      await hammer(`${base}${path}`, cookie, WARMUP_SECONDS);
      const r = await hammer(`${base}${path}`, cookie, SECONDS);
      process.stdout.write(
        `${label.padEnd(44)} ${r.rps.toFixed(0).padStart(5)} req/s   p50 ${r.p50.toFixed(0).padStart(4)} ms   p95 ${r.p95.toFixed(0).padStart(4)} ms   p99 ${r.p99.toFixed(0).padStart(4)} ms   (${r.count} requêtes, ${r.errors} erreurs)\n`,
      );
    }
  } finally {
    server.kill('SIGTERM');
  }
}

function hammer(url: string, cookie: string, seconds: number): Promise<{ rps: number; p50: number; p95: number; p99: number; count: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let errors = 0;
    const instance = autocannon({ url, connections: CONCURRENCY, duration: seconds, headers: { ...BENCH_HEADERS, cookie } }, (err, result) => {
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
