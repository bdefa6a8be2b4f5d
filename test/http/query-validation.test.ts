import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * A query string a page's schema refuses (a filter longer than it allows) threw out of the handler
 * and answered 500 (issue 14's list: /menages, /utilisateurs, /admin/membres, the households' CSV
 * export, which also cut off mid-stream). It answers a French 400 page naming what is wrong, before
 * the first byte of an export.
 */
const t = useWorld();
const LONG = 'a'.repeat(300);

describe('query strings a page refuses', () => {
  it('answer a French 400 with the schema’s message, never a 500, on lists and exports', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    for (const url of [
      `/menages?postcode=${LONG}`,
      `/menages?q=${LONG}`,
      `/utilisateurs?q=${LONG}`,
      `/admin/membres?q=${LONG}`,
      `/menages/export.csv?postcode=${LONG}`,
    ]) {
      const res = await admin.get(url);
      expect([url.slice(0, 30), res.status]).toEqual([url.slice(0, 30), 400]);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const text = $(res.text)('main').text();
      expect(text).toContain('Un filtre ou un paramètre de la page est incorrect');
      expect(text).toMatch(/ne doit pas dépasser \d+ caractères/);
    }
    expect(t.ctx.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
  });

  it('leaves the same lists working with filters they accept', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    for (const url of ['/menages?postcode=75013', '/menages?q=Durand', '/utilisateurs?q=martin', '/admin/membres?q=Bailleur'])
      expect((await admin.get(url)).status).toBe(200);
  });
});
