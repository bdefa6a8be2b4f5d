/**
 * Page-speed benchmark: the real app on 150 member organisations and 3,000 users, driven over
 * loopback with keep-alive connections. Prints requests/s and latency percentiles per page.
 *   npm run bench                         (embedded PGlite)
 *   BENCH_DATABASE_URL=postgres://… npm run bench   (a PostgreSQL database the bench may fill)
 * Bounded: each scenario stops after BENCH_REQUESTS requests or BENCH_SECONDS seconds.
 */
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { createApp } from '../src/app';
import { hashPassword } from '../src/auth/passwords';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';
import { createServices } from '../src/services';
import { systemClock } from '../src/shared/clock';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const PASSWORD = 'bench-password-long-enough';

function luhnSiren(n: number): string {
  const base = String(10000000 + n).slice(-8);
  for (let c = 0; c < 10; c++) {
    const s = base + c;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let d = Number(s[8 - i]);
      if (i % 2) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  const db = url ? openDatabase({ kind: 'postgres', url, poolMax: 10 }) : openDatabase({ kind: 'pglite' });
  await migrateLatest(db.knex);
  if (!(await db.knex('organisations').first('id'))) {
    const hash = await hashPassword(PASSWORD);
    const [asso] = await db.knex('organisations').insert({ kind: 'association', name: 'Association Bench' }).returning('id');
    await db.knex('users').insert({
      organisation_id: (asso as { id: string }).id,
      role: 'admin',
      email: 'admin@bench.test',
      first_name: 'Ada',
      last_name: 'Bench',
      password_hash: hash,
    });
    for (let o = 0; o < 150; o++) {
      const [org] = await db
        .knex('organisations')
        .insert({ kind: 'landlord', name: `Bailleur ${o}`, siren: luhnSiren(o), city: 'Lyon' })
        .returning('id');
      const users = Array.from({ length: 20 }, (_, i) => ({
        organisation_id: (org as { id: string }).id,
        role: i === 0 ? 'landlord_admin' : 'landlord_instructor',
        email: `u${o}-${i}@bench.test`,
        first_name: `Prénom${i}`,
        last_name: `Durand${o}-${i}`,
        password_hash: hash,
      }));
      await db.knex('users').insert(users);
    }
  }
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123', LOGIN_RATE_LIMIT_PER_15_MIN: '100000' });
  const services = createServices(db, config, systemClock, winston.createLogger({ silent: true }));
  const server = createApp(services).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const cookie = await login(base);
  const scenarios: Array<[string, string, string | null]> = [
    ['login page (anonymous)', '/connexion', null],
    ['home page', '/', cookie],
    ['users list, page 1 of 3,001', '/utilisateurs', cookie],
    ['users list, search "durand1"', '/utilisateurs?q=durand1', cookie],
    ['members list (151)', '/admin/membres', cookie],
  ];
  process.stdout.write(`Entraide bench — ${db.kind}, ${CONCURRENCY} concurrent connections, ≤${REQUESTS} requests or ${SECONDS}s per page\n`);
  for (const [label, path, c] of scenarios) {
    const r = await hammer(`${base}${path}`, c);
    process.stdout.write(
      `${label.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   (${r.count} requests, ${r.errors} errors)\n`,
    );
  }
  server.close();
  services.mailer.close();
  await db.close();
}

async function login(base: string): Promise<string> {
  const page = await fetch(`${base}/connexion`);
  const setCookies = page.headers.getSetCookie();
  const jar = setCookies.map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/connexion`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email: 'admin@bench.test', password: PASSWORD }),
  });
  if (res.status !== 302) throw new Error(`bench login failed: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function hammer(url: string, cookie: string | null): Promise<{ rps: number; p50: number; p95: number; count: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = performance.now();
  const worker = async () => {
    while (issued < REQUESTS && Date.now() < deadline) {
      issued++;
      const t = performance.now();
      const res = await fetch(url, { headers: cookie ? { cookie } : {} });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: latencies.length / elapsed, p50: pct(0.5), p95: pct(0.95), count: latencies.length, errors };
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
