import express, { type NextFunction, type Request, type Response, Router } from 'express';
import request from 'supertest';
import { areaRouters, firstSegments } from '../../src/http/area-routers';
import { startTestApp } from '../support/app';

/**
 * The areas' routers dispatched by first path segment (src/http/area-routers.ts) answer every
 * request exactly as the same routers mounted one after the other with app.use — only faster.
 */
function routers(calls: string[]): Router[] {
  const seen = (name: string) => (_req: Request, _res: Response, next: NextFunction) => {
    calls.push(name);
    next();
  };
  const funds = Router();
  funds.use(seen('funds'));
  const fundsRoutes = Router();
  fundsRoutes.get('/fonds', (_req, res) => {
    res.send('fonds');
  });
  fundsRoutes.get('/fonds/:id', (req, res) => {
    res.send(`fonds ${String(req.params.id)}`);
  });
  const requests = Router();
  requests.get('/demandes/:id', (req, res, next) => {
    if (req.params.id === 'passe') return next('router');
    if (req.params.id === 'casse') throw new Error('boom');
    res.send(`demande ${String(req.params.id)}`);
  });
  requests.post('/demandes', (_req, res) => {
    res.send('créée');
  });
  const laterRequests = Router();
  laterRequests.get('/demandes/:id', (req, res) => {
    res.send(`plus loin ${String(req.params.id)}`);
  });
  const home = Router();
  home.get('/', (_req, res) => {
    res.send('accueil');
  });
  const byParam = Router();
  byParam.get('/:anything/x', (req, res) => {
    res.send(`paramètre ${String(req.params.anything)}`);
  });
  const both = Router();
  both.get(['/liste', '/Autre/chemin'], (_req, res) => {
    res.send('deux chemins');
  });
  return [funds, fundsRoutes, requests, laterRequests, home, byParam, both];
}

function appWith(mount: 'each' | 'dispatch', calls: string[]) {
  const app = express();
  const list = routers(calls);
  if (mount === 'each') for (const r of list) app.use(r);
  else app.use(areaRouters(list));
  app.use((_req, res) => {
    res.status(404).send('introuvable');
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(`erreur ${err.message}`);
  });
  return app;
}

const PATHS: Array<[string, string]> = [
  ['get', '/'],
  ['get', '/fonds'],
  ['get', '/FONDS'],
  ['get', '/fonds/'],
  ['get', '/fonds/12'],
  ['get', '/fonds/12/plus'],
  ['get', '/demandes/7'],
  ['get', '/Demandes/7'],
  ['get', '/demandes/passe'],
  ['get', '/demandes/casse'],
  ['post', '/demandes'],
  ['post', '/demandes/7'],
  ['get', '/d%65mandes/7'],
  ['get', '/demandes%2F7'],
  ['get', '/fonds/x'],
  ['get', '/inconnu/x'],
  ['get', '/inconnu'],
  ['get', '//fonds'],
  ['get', '/liste'],
  ['get', '/autre/chemin'],
  ['get', '/a:b/x'],
  ['get', '/?q=1'],
  ['head', '/fonds'],
];

describe('the areas’ routers, dispatched by first path segment', () => {
  it.each(PATHS)('%s %s answers as with every router mounted in turn', async (method, path) => {
    const each = await request(appWith('each', []))[method as 'get'](path);
    const dispatched = await request(appWith('dispatch', []))[method as 'get'](path);
    expect({ status: dispatched.status, text: dispatched.text }).toEqual({ status: each.status, text: each.text });
  });

  it('skips only the routers that cannot match, in their order', async () => {
    const names = ['funds', 'fundsRoutes', 'requests', 'laterRequests', 'home', 'byParam', 'both'];
    const tried: string[] = [];
    // each router seen through a function that records its turn (its stack kept: that is what is read)
    const counted = routers([]).map((r, i) => {
      const f = ((req: Request, res: Response, next: NextFunction) => {
        tried.push(names[i] as string);
        r(req, res, next);
      }) as unknown as Router;
      (f as unknown as { stack: unknown }).stack = (r as unknown as { stack: unknown }).stack;
      return f;
    });
    const app = express();
    app.use(areaRouters(counted));
    const cases: Array<[string, string[]]> = [
      ['/demandes/7', ['funds', 'requests']],
      ['/demandes/passe', ['funds', 'requests', 'laterRequests']],
      ['/fonds/12', ['funds', 'fundsRoutes']],
      ['/', ['funds', 'home']],
      ['/liste', ['funds', 'byParam', 'both']],
      // what no literal route answers goes through the routers that may answer anything
      ['/inconnu/x', ['funds', 'byParam']],
      // an encoded first segment is not guessed at: every router, as before
      ['/d%65mandes/7', names],
    ];
    for (const [path, expected] of cases) {
      tried.length = 0;
      await request(app).get(path);
      expect({ path, tried }).toEqual({ path, tried: expected });
    }
  });

  it('knows the first segments of a router, or that it may answer anything', () => {
    const [funds, fundsRoutes, requests, , home, byParam, both] = routers([]);
    expect(firstSegments(funds as Router)).toBeNull();
    expect(firstSegments(fundsRoutes as Router)).toEqual(new Set(['fonds']));
    expect(firstSegments(requests as Router)).toEqual(new Set(['demandes']));
    expect(firstSegments(home as Router)).toEqual(new Set(['']));
    expect(firstSegments(byParam as Router)).toBeNull();
    expect(firstSegments(both as Router)).toEqual(new Set(['liste', 'autre']));
    const nested = Router();
    nested.use(Router());
    expect(firstSegments(nested)).toBeNull();
    const regex = Router();
    regex.get(/^\/re/, (_req, res) => {
      res.end();
    });
    expect(firstSegments(regex)).toBeNull();
  });

  it('in the extranet, every area router answers under literal first segments (none is tried on every request)', async () => {
    const ctx = await startTestApp();
    try {
      // the app answers (its start-up reads done) before it is looked into and closed
      await request(ctx.app).get('/connexion').expect(200);
      const layers = (ctx.app as unknown as { router: { stack: Array<{ handle: { routerSegments?: Array<Set<string> | null> } }> } }).router.stack;
      const found = layers.map((l) => l.handle.routerSegments).filter((s) => s !== undefined);
      expect(found).toHaveLength(1);
      const segments = found[0] as Array<Set<string> | null>;
      expect(segments.length).toBeGreaterThan(30);
      expect(segments.filter((s) => s === null)).toEqual([]);
      // the request pages' first segment is shared by a handful of routers, not by all of them
      expect(segments.filter((s) => s?.has('demandes')).length).toBeLessThan(10);
    } finally {
      await ctx.close();
    }
  });
});
