import request from 'supertest';
import { fillPattern, routes, urls } from '../../src/urls';
import { startTestApp, type TestContext } from '../support/app';
import { registeredRoutes } from '../support/route-world';

describe('routes and URLs from one declaration', () => {
  it('fills a pattern’s parameters in order, URL-encoded', () => {
    expect(urls.requestDocument('a1', 'b2')).toBe('/demandes/a1/pieces/b2');
    expect(urls.setPassword('a/b c')).toBe('/mot-de-passe/definir/a%2Fb%20c');
    expect(urls.jobOutput('run', 3)).toBe('/admin/taches/run/fichiers/3');
    expect(urls.requestTab('a1', 'échanges')).toBe('/demandes/a1?onglet=%C3%A9changes');
    expect(urls.home()).toBe('/');
    expect(() => fillPattern('/a/:id/b/:other', ['x'])).toThrow('missing URL parameter other');
    expect(() => fillPattern('/a/:id', ['x', 'y'])).toThrow('too many URL parameters');
  });

  it('builds every URL from its route pattern', () => {
    for (const [name, pattern] of Object.entries(routes)) {
      const values = (pattern.match(/:[A-Za-z]+/g) ?? []).map((_p, i) => `v${i}`);
      const build = (urls as unknown as Record<string, (...v: string[]) => string>)[name] as (...v: string[]) => string;
      let i = 0;
      expect(build(...values)).toBe(pattern.replace(/:[A-Za-z]+/g, () => `v${i++}`));
    }
  });

  describe('the app', () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await startTestApp();
      // one page through the session store: its table check (run at start-up) is done before close() destroys the pool
      expect((await request(ctx.app).get('/connexion')).status).toBe(200);
    });
    afterAll(() => ctx.close());

    it('registers only declared patterns: no route path is typed anywhere else', () => {
      const declared = new Set<string>(Object.values(routes));
      const undeclared = registeredRoutes(ctx.app)
        .map((r) => r.split(' ')[1] as string)
        .filter((path) => !declared.has(path));
      expect([...new Set(undeclared)]).toEqual([]);
    });
  });
});
