/**
 * The extranet as `src/server.ts` builds it (same configuration checks, same services, same app,
 * NODE_ENV=production), plus two bench-only instruments that the production entry point never loads:
 *
 * - a capture of what a page renders: a request carrying `x-bench-capture: <name>` has its view
 *   and the exact options given to `app.render` (the route's locals and `res.locals`) kept in memory;
 * - a second listener on BENCH_REPLAY_PORT, a bare `node:http` server with no middleware and no
 *   database: `GET /render/<name>` renders the captured view from the captured options through the
 *   same app (same Nunjucks environment, same view cache): what the page would cost if its data were
 *   free. `GET /queries/<name>` gives the SQL statements the captured request ran (its round trips);
 *   `GET /cpu` the CPU time this process has used so far (µs), to count the CPU of one request;
 * - `GET /__bench/chaine` on the extranet's listener, placed right after the last middleware, before
 *   the first area's routes: a page that is only the chain every page goes through (session and its
 *   user, passport, CSRF, helmet, request log and context, the response's ending) and answers « ok ».
 *
 * Started by bench/pages.ts; never imported by src/.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { Express } from 'express';
import { createApp } from '../src/app';
import { openConfiguredDatabase } from '../src/bootstrap';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { systemClock } from '../src/shared/clock';
import { CHAIN_ONLY_PATH } from './production-env';

interface Captured {
  view: string;
  options: Record<string, unknown>;
  queries: Array<{ sql: string; bindings: unknown[]; ms: number }>;
}

const CAPTURE_HEADER = 'x-bench-capture';

async function main(): Promise<void> {
  if (process.env.NODE_ENV !== 'production') throw new Error('bench/pages-server.ts measures the production build: NODE_ENV=production');
  const replayPort = Number(process.env.BENCH_REPLAY_PORT);
  if (!replayPort) throw new Error('BENCH_REPLAY_PORT is required');
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const opened = await openConfiguredDatabase(config);
  const services = createServices(opened.db, config, systemClock, logger);
  const app = createApp(services);
  chainOnlyPage(app);

  const captured = new Map<string, Captured>();
  const current = new AsyncLocalStorage<Captured & { name: string }>();
  // the SQL of the request being captured (the session store, passport and the page's own queries)
  const started = new Map<string, { at: number; entry: Captured['queries'][number] }>();
  services.knex.on('query', (q: { sql: string; bindings?: unknown[]; __knexQueryUid: string }) => {
    const store = current.getStore();
    if (!store) return;
    const entry = { sql: q.sql, bindings: q.bindings ?? [], ms: 0 };
    store.queries.push(entry);
    started.set(q.__knexQueryUid, { at: performance.now(), entry });
  });
  const done = (_r: unknown, q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (s) s.entry.ms = performance.now() - s.at;
    started.delete(q.__knexQueryUid);
  };
  services.knex.on('query-response', done);
  services.knex.on('query-error', (_e: unknown, q: { __knexQueryUid: string }) => done(null, q));
  captureRenders(app, current, captured);

  const server = http.createServer((req, res) => {
    const name = req.headers[CAPTURE_HEADER];
    if (typeof name !== 'string') return app(req, res);
    current.run({ name, view: '', options: {}, queries: [] }, () => app(req, res));
  });
  server.listen(config.port);

  const replay = http.createServer((req, res) => {
    const [, kind, name] = (req.url ?? '').split('/');
    if (kind === 'cpu') {
      const used = process.cpuUsage();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(String(used.user + used.system));
      return;
    }
    const entry = captured.get(decodeURIComponent(name ?? ''));
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    if (kind === 'queries') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry.queries));
      return;
    }
    // what res.render hands to app.render, given back as it was: the view is rendered, nothing else runs
    app.render(entry.view, { ...entry.options, _locals: { ...(entry.options._locals as object) } }, (err: Error | null, html?: string) => {
      if (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(err.stack);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
  });
  replay.listen(replayPort, '127.0.0.1');

  const stop = () => {
    replay.close();
    server.close(() => void opened.shutdown().then(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Adds GET CHAIN_ONLY_PATH and moves it from the end of the app's stack to just after the last
 * middleware every page goes through (`refuseControlCharacters`), before the areas' routers.
 */
function chainOnlyPage(app: Express): void {
  type Layer = { name: string; handle: { name?: string } };
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  app.get(CHAIN_ONLY_PATH, (_req, res) => {
    res.type('text/plain').send('ok');
  });
  const added = stack.pop() as Layer;
  const last = stack.findIndex((l) => (l.handle.name || l.name) === 'refuseControlCharacters');
  if (last < 0) throw new Error('bench/pages-server.ts: refuseControlCharacters is no longer in the app: say where the chain ends');
  stack.splice(last + 1, 0, added);
}

/** Wraps the app's render: a request under capture leaves its view and options (a shallow copy of res.locals). */
function captureRenders(app: Express, current: AsyncLocalStorage<Captured & { name: string }>, captured: Map<string, Captured>): void {
  const render = app.render.bind(app) as (view: string, options: Record<string, unknown>, done: (err: Error | null, html?: string) => void) => void;
  (app as unknown as { render: typeof render }).render = (view, options, done) => {
    const store = current.getStore();
    if (store) {
      store.view = view;
      store.options = { ...options, _locals: { ...(options._locals as object) } };
      captured.set(store.name, store);
    }
    render(view, options, done);
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
