/**
 * Each page against its own floor: the real page (session, middleware, queries, template) and the
 * same view rendered from the locals a real render of it captured, without middleware and without
 * database (bench/pages-server.ts), measured in one run, interleaved (real, floor, real, floor…),
 * on the volume database of bench:requests (500,000 requests), 20 connections.
 *   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/entraide_bench npm run bench:pages
 * Prints per page: req/s and p95 of both, their ratio, the SQL round trips of one real request,
 * and whether the page meets the goal (≥ 35 % of its floor, p95 ≤ 100 ms).
 * Also prints the CPU time the extranet's process spent per request on each side, and first the
 * chain alone (an empty page behind every middleware, GET /__bench/chaine): what any page costs
 * before its own reads and template; the « plafond » column is the ratio a page would reach if its
 * own reads cost nothing: floor CPU / (chain CPU + floor CPU).
 * BENCH_ONLY=<part of a label>[|<another>…] measures only those pages; BENCH_QUERIES=1 prints each page's SQL
 * (`explain`: PostgreSQL's planning and execution time of each);
 * BENCH_PROFILE=<folder> writes the extranet's CPU profile there, of the real pages (BENCH_PROFILE_SIDE=floor: of
 * the floors); the other side then runs 1 s only and the ratio is rough.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { SCALE_PASSWORD, seedScale } from '../seeds/scale';
import { preparePagesData, BENCH_HOLDER_EMAIL } from './pages-data';
import { BENCH_HEADERS, CHAIN_ONLY_PATH, benchCipher, enrolBenchLogins, householdLogin, login, productionEnv, waitReady } from './production-env';

const URL_ = process.env.BENCH_DATABASE_URL;
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 500_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const REPLAY_PORT = PORT + 1;
/** The goal of issue 20: every page at 35 % of its floor or better, p95 at most 100 ms. */
const GOAL_RATIO = 0.35;
const GOAL_P95_MS = 100;

interface Page {
  label: string;
  path: string;
  who: 'operator' | 'instructor' | 'household';
}

async function main(): Promise<void> {
  if (!URL_) throw new Error('BENCH_DATABASE_URL is required: this bench measures PostgreSQL at volume');
  const db = openDatabase({ kind: 'postgres', url: URL_, poolMax: 2 });
  const cipher = benchCipher();
  let data;
  let counts;
  try {
    await migrateLatest(db.knex);
    const have = Number((await db.knex('users').where('email', 'like', '%@echelle.test').count<{ n: string }[]>('* as n'))[0]?.n ?? 0) > 0;
    if (!have) {
      process.stdout.write(`Génération de ${REQUESTS} demandes…\n`);
      await seedScale(db.knex, REQUESTS, (l) => process.stdout.write(`  ${l}\n`), cipher);
    }
    data = await preparePagesData(db.knex, cipher);
    await enrolBenchLogins(db.knex, ['operateur@echelle.test', 'instructeur1@echelle.test']);
    const member = await db
      .knex('household_members')
      .join('persons', 'persons.id', 'household_members.person_id')
      .where({ email: BENCH_HOLDER_EMAIL })
      .first<{ id: string }>('household_members.id');
    counts = {
      total: Number((await db.knex('aid_requests').count<{ n: string }[]>('* as n'))[0]?.n),
      taken: Number(
        (
          await db
            .knex('aid_requests')
            .join('users', 'users.id', 'aid_requests.assigned_to')
            .where({ email: 'operateur@echelle.test' })
            .count<{ n: string }[]>('* as n')
        )[0]?.n,
      ),
      memberId: member.id,
    };
  } finally {
    await db.close();
  }

  // BENCH_PROFILE=<folder>: the extranet's CPU profile of the whole run (open it in Chrome's DevTools)
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const server = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/pages-server.ts'], {
    env: { ...productionEnv(URL_, PORT), BENCH_REPLAY_PORT: String(REPLAY_PORT) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${PORT}`;
  const replay = `http://127.0.0.1:${REPLAY_PORT}`;
  const outbox = openDatabase({ kind: 'postgres', url: URL_, poolMax: 1 });
  try {
    await waitReady(base);
    const cookies = {
      operator: await login(base, 'operateur@echelle.test', SCALE_PASSWORD),
      instructor: await login(base, 'instructeur1@echelle.test', SCALE_PASSWORD),
      household: '',
    };
    cookies.household = await householdLogin(base, outbox.knex, cookies.instructor, {
      id: data.householdId,
      memberId: counts.memberId,
      email: BENCH_HOLDER_EMAIL,
    });
    const pages: Page[] = [
      { label: 'file « À prendre »', path: '/instruction', who: 'operator' },
      { label: 'file « Mes dossiers » (dossiers pris)', path: '/instruction?onglet=mes_dossiers', who: 'operator' },
      { label: 'file « Décidés »', path: '/instruction?onglet=decides', who: 'operator' },
      { label: 'liste bailleur, page 1', path: '/demandes', who: 'instructor' },
      { label: 'liste bailleur, filtres + recherche', path: '/demandes?status=closed&q=martin&tri=depot', who: 'instructor' },
      { label: 'liste association, page 1', path: '/demandes', who: 'operator' },
      { label: 'demande prise (synthèse)', path: `/demandes/${data.takenRequestId}`, who: 'operator' },
      { label: 'demande prise (échanges)', path: `/demandes/${data.takenRequestId}?onglet=echanges`, who: 'operator' },
      { label: 'demande accordée, paiements (synthèse)', path: `/demandes/${data.grantedRequestId}`, who: 'operator' },
      { label: 'demande accordée, vue du bailleur', path: `/demandes/${data.grantedRequestId}`, who: 'instructor' },
      { label: 'statistiques', path: '/statistiques', who: 'operator' },
      { label: 'échanges Action Logement', path: '/echanges', who: 'operator' },
      { label: 'fonds', path: '/fonds', who: 'operator' },
      { label: 'espace du ménage', path: '/mon-espace', who: 'household' },
    ];
    const only = process.env.BENCH_ONLY;
    const chosen = pages.filter((p) => !only || only.split('|').some((part) => p.label.includes(part)));
    process.stdout.write(
      `Entraide bench:pages — PostgreSQL, ${counts.total} demandes, ${counts.taken} prises par l’opératrice mesurée ; ${CONCURRENCY} connexions ; ` +
        `par page ${ROUNDS} × (${SECONDS} s réel + ${SECONDS} s plancher) après ${WARMUP_SECONDS} s de mise en route\n` +
        '« plancher » : la même vue rendue des mêmes données (locals capturés), sans middleware ni base\n\n',
    );
    const cpu = async () => Number(await (await fetch(`${replay}/cpu`)).text());
    const measured = async (target: Target, seconds: number, totals: Totals) => {
      const before = await cpu();
      const result = await hammer(target, seconds);
      totals.add({ ...result, cpuMicros: (await cpu()) - before });
    };
    // the chain alone, as the operator's pages go through it
    const chainTarget = { url: `${base}${CHAIN_ONLY_PATH}`, headers: { ...BENCH_HEADERS, cookie: cookies.operator } };
    await hammer(chainTarget, WARMUP_SECONDS);
    const chain = new Totals();
    for (let round = 0; round < ROUNDS; round++) await measured(chainTarget, SECONDS, chain);
    process.stdout.write(
      `la chaîne seule (page vide derrière tous les middlewares, opératrice) : ${chain.rps.toFixed(0)} req/s, p95 ${chain.p95.toFixed(0)} ms, ` +
        `${chain.cpuPerRequest.toFixed(0)} µs de CPU par requête\n\n`,
    );
    process.stdout.write(
      `${'page'.padEnd(42)} ${'réel req/s'.padStart(10)} ${'p95'.padStart(6)}   ${'plancher'.padStart(9)} ${'p95'.padStart(6)}   ratio  ${'CPU réel'.padStart(9)} ${'plancher'.padStart(9)}  plafond  aller-retours SQL\n`,
    );
    const results = [];
    for (const page of chosen) {
      const cookie = cookies[page.who];
      const name = encodeURIComponent(page.label);
      // a first view fills what the extranet keeps a few seconds (reference lists); the second one, captured, is a page as most are served
      await (await fetch(`${base}${page.path}`, { headers: { ...BENCH_HEADERS, cookie } })).text();
      const captured = await fetch(`${base}${page.path}`, { headers: { ...BENCH_HEADERS, cookie, 'x-bench-capture': page.label } });
      if (captured.status !== 200) throw new Error(`${page.label}: ${page.path} answered ${captured.status}`);
      await captured.text();
      const queries = (await (await fetch(`${replay}/queries/${name}`)).json()) as Array<{ sql: string; bindings: unknown[]; ms: number }>;
      const floorPage = await fetch(`${replay}/render/${name}`);
      if (floorPage.status !== 200) throw new Error(`${page.label}: replay failed: ${await floorPage.text()}`);
      await floorPage.text();

      const real = { url: `${base}${page.path}`, headers: { ...BENCH_HEADERS, cookie } };
      const floor = { url: `${replay}/render/${name}`, headers: {} };
      // BENCH_PROFILE: the profile holds one side only (BENCH_PROFILE_SIDE, real by default); the other runs 1 s
      const profiled = process.env.BENCH_PROFILE ? (process.env.BENCH_PROFILE_SIDE === 'floor' ? 'floor' : 'real') : null;
      const seconds = (side: 'real' | 'floor') => (profiled && profiled !== side ? 1 : SECONDS);
      if (!profiled || profiled === 'real') await hammer(real, WARMUP_SECONDS);
      if (!profiled || profiled === 'floor') await hammer(floor, WARMUP_SECONDS);
      const r = new Totals();
      const f = new Totals();
      for (let round = 0; round < ROUNDS; round++) {
        if (!profiled || profiled === 'real' || round === 0) await measured(real, seconds('real'), r);
        if (!profiled || profiled === 'floor' || round === 0) await measured(floor, seconds('floor'), f);
      }
      const ratio = r.rps / f.rps;
      const ceiling = f.cpuPerRequest / (chain.cpuPerRequest + f.cpuPerRequest);
      const ok = ratio >= GOAL_RATIO && r.p95 <= GOAL_P95_MS && r.errors === 0;
      results.push({ ok });
      process.stdout.write(
        `${page.label.padEnd(42)} ${r.rps.toFixed(0).padStart(10)} ${`${r.p95.toFixed(0)} ms`.padStart(6)}   ${f.rps.toFixed(0).padStart(9)} ${`${f.p95.toFixed(0)} ms`.padStart(6)}   ${`${(ratio * 100).toFixed(0)} %`.padStart(5)}  ${`${r.cpuPerRequest.toFixed(0)} µs`.padStart(9)} ${`${f.cpuPerRequest.toFixed(0)} µs`.padStart(9)}  ${`${(ceiling * 100).toFixed(0)} %`.padStart(7)}  ${String(queries.length).padStart(3)}  ${ok ? 'ok' : 'HORS OBJECTIF'}${r.errors ? ` (${r.errors} erreurs)` : ''}\n`,
      );
      if (process.env.BENCH_QUERIES === 'explain') await explain(outbox.knex, queries);
      else if (process.env.BENCH_QUERIES)
        for (const q of queries)
          process.stdout.write(
            `  ${q.ms.toFixed(1).padStart(6)} ms  ${q.sql.replace(/\s+/g, ' ').slice(0, process.env.BENCH_QUERIES === 'full' ? undefined : 200)}${process.env.BENCH_QUERIES === 'full' ? `  ${JSON.stringify(q.bindings)}` : ''}\n`,
          );
    }
    const met = results.filter((x) => x.ok).length;
    process.stdout.write(`\n${met} page(s) sur ${results.length} dans l’objectif (≥ ${GOAL_RATIO * 100} % du plancher, p95 ≤ ${GOAL_P95_MS} ms)\n`);
  } finally {
    await outbox.close();
    server.kill('SIGTERM');
  }
}

/** Each statement's planning and execution time in PostgreSQL (EXPLAIN ANALYZE in a transaction rolled back). */
async function explain(knex: import('knex').Knex, queries: Array<{ sql: string; bindings: unknown[] }>): Promise<void> {
  for (const q of queries) {
    const trx = await knex.transaction();
    let times: { 'Planning Time': number; 'Execution Time': number } | undefined;
    try {
      const plan = await trx.raw<{ rows: Array<{ 'QUERY PLAN': Array<{ 'Planning Time': number; 'Execution Time': number }> }> }>(
        `explain (analyze, summary, format json) ${q.sql.replace(/\$(\d+)/g, '?')}`,
        q.bindings as never[],
      );
      times = plan.rows[0]?.['QUERY PLAN'][0];
    } catch {
      times = undefined;
    } finally {
      await trx.rollback();
    }
    process.stdout.write(
      `  plan ${(times?.['Planning Time'] ?? NaN).toFixed(2).padStart(6)} ms  exec ${(times?.['Execution Time'] ?? NaN).toFixed(2).padStart(6)} ms  ${q.sql.replace(/\s+/g, ' ').slice(0, 150)}\n`,
    );
  }
}

/** Requests and latencies summed over the interleaved rounds of one side. */
class Totals {
  private readonly latencies: number[] = [];
  private count = 0;
  private seconds = 0;
  errors = 0;
  private cpuMicros = 0;
  add(r: { latencies: number[]; count: number; seconds: number; errors: number; cpuMicros: number }): void {
    for (const l of r.latencies) this.latencies.push(l);
    this.cpuMicros += r.cpuMicros;
    this.count += r.count;
    this.seconds += r.seconds;
    this.errors += r.errors;
  }
  /** The extranet process's CPU time per request (µs), user and system. */
  get cpuPerRequest(): number {
    return this.cpuMicros / this.count;
  }
  get rps(): number {
    return this.count / this.seconds;
  }
  get p95(): number {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
  }
}

type Target = { url: string; headers: Record<string, string> };

function hammer(target: Target, seconds: number): Promise<{ latencies: number[]; count: number; seconds: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const instance = autocannon({ url: target.url, connections: CONCURRENCY, duration: seconds, headers: target.headers }, (err, result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      resolve({ latencies, count: latencies.length, seconds: (performance.now() - started) / 1000, errors: errors + result.errors + result.timeouts });
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
