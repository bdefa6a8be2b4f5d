import winston from 'winston';
import { createApp } from '/work/main/src/app';
import { loadConfig } from '/work/main/src/config';
import { openDatabase } from '/work/main/src/db/database';
import { createServices } from '/work/main/src/services';
import { systemClock } from '/work/main/src/shared/clock';
import request from 'supertest';
const db = openDatabase({ kind: 'postgres', url: 'postgres://root@127.0.0.1:5432/entraide_bench', poolMax: 4 });
const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123' });
const services = createServices(db, config, systemClock, winston.createLogger({ silent: true }));
const app = createApp(services);
const times: Array<[number, string]> = [];
const starts = new Map<string, number>();
db.knex.on('query', (q: { __knexQueryUid: string; sql: string }) => starts.set(q.__knexQueryUid, performance.now()));
db.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string; sql: string }) => times.push([performance.now() - (starts.get(q.__knexQueryUid) ?? 0), q.sql.slice(0, 150)]));
(async () => {
  const agent = request.agent(app);
  const page = await agent.get('/connexion');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  await agent.post('/connexion').type('form').send({ _csrf: token, email: process.argv[2], password: 'echelle-Entraide-2026' });
  for (const path of process.argv.slice(3)) {
    await agent.get(path);
    times.length = 0;
    const t = performance.now();
    const r = await agent.get(path);
    console.log(path, r.status, (performance.now() - t).toFixed(1), 'ms total,', times.length, 'queries');
    for (const [ms, sql] of times.sort((a, b) => b[0] - a[0]).slice(0, 6)) console.log('  ', ms.toFixed(1), sql);
  }
  await db.close();
  process.exit(0);
  
})();
