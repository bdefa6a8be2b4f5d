import { $, loginAs, type Agent } from '../support/http';
import { useWorld } from '../support/world';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertOrganisation } from '../factories/organisation';
import { insertUser } from '../factories/user';

/**
 * ASVS 4.0.3 V5.3.4: a crafted search text on the list pages' `q` filter reaches PostgreSQL as a
 * bound value, never as SQL: the right rows come back (LIKE wildcards typed are literal characters),
 * the tables are intact, and the text shows up in the query's bindings, never in its SQL.
 */
const t = useWorld();

const CRAFTED = ["'", "''", "'; drop table users; --", "x' or '1'='1", '%', '_', '\\', "\\'", '%_%', '" or 1=1 --', "O'Brien", '100%', '_sud_'];

interface Captured {
  sql: string;
  bindings: unknown[];
}
let captured: Captured[] = [];
const capture = (q: { sql: string; bindings?: unknown[] }) => captured.push({ sql: q.sql, bindings: q.bindings ?? [] });

let admin: Agent;
let instructor: Agent;
let householdId: string;
const counts = async () => {
  const out: Record<string, number> = {};
  for (const table of ['users', 'organisations', 'households', 'persons', 'aid_requests'])
    out[table] = Number((await t.ctx.knex(table).count<{ count: string }[]>('* as count'))[0]?.count);
  return out;
};

beforeAll(async () => {
  await insertOrganisation(t.ctx.knex, { kind: 'landlord', name: "Logis d'O'Brien 100% _sud_ \\ Rhône" });
  await insertUser(t.ctx.knex, { organisationId: t.world.landlordA.id, role: 'landlord_instructor', lastName: "D'Artagnan", email: 'd.artagnan@exemple.fr' });
  const person = await insertPerson(t.ctx.knex, { lastName: "N'Diaye", firstNames: 'Fatou' });
  householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: "BAIL'50%_\\X", members: [{ personId: person }] })).id;
  admin = await loginAs(t.ctx.app, t.world.users.admin.email);
  instructor = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  t.ctx.knex.on('query', capture);
});
afterAll(() => t.ctx.knex.removeListener('query', capture));

const pages: Array<[string, () => Agent, (q: string) => string]> = [
  ['/menages', () => admin, (q) => `/menages?q=${encodeURIComponent(q)}`],
  ['/utilisateurs', () => admin, (q) => `/utilisateurs?q=${encodeURIComponent(q)}`],
  ['/admin/membres', () => admin, (q) => `/admin/membres?q=${encodeURIComponent(q)}`],
  ['/demandes', () => admin, (q) => `/demandes?q=${encodeURIComponent(q)}`],
  ['/demandes/nouvelle', () => instructor, (q) => `/demandes/nouvelle?q=${encodeURIComponent(q)}`],
  ['/menages/:id/rattacher', () => instructor, (q) => `/menages/${householdId}/rattacher?q=${encodeURIComponent(q)}`],
];

describe('crafted search texts on the list pages (ASVS 5.3.4)', () => {
  it.each(pages)('%s answers 200 for each, leaves every table intact and keeps the text out of the SQL', async (_page, agentOf, url) => {
    const before = await counts();
    for (const q of CRAFTED) {
      captured = [];
      const res = await agentOf().get(url(q));
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      for (const c of captured) expect({ q, sql: c.sql.includes(q) && q.length > 2 ? c.sql : 'clean' }).toEqual({ q, sql: 'clean' });
    }
    expect(await counts()).toEqual(before);
    expect((await t.ctx.knex.raw("select to_regclass('public.users') as t")).rows[0].t).toBe('users');
  });

  it('binds the search text: it appears in the bindings of the page’s query, never in its SQL', async () => {
    for (const url of ['/utilisateurs', '/admin/membres', '/menages']) {
      captured = [];
      expect((await admin.get(`${url}?q=${encodeURIComponent("'; drop table users; --")}`)).status).toBe(200);
      expect(captured.some((c) => c.bindings.some((b) => typeof b === 'string' && b.includes("'; drop table users; --")))).toBe(true);
      expect(captured.filter((c) => /drop table/i.test(c.sql))).toEqual([]);
    }
  });

  it('finds what was typed, quotes and backslashes included, and takes % and _ literally', async () => {
    const orgs = async (q: string) => $((await admin.get(`/admin/membres?q=${encodeURIComponent(q)}`)).text)('table tbody tr').text();
    expect(await orgs("O'Brien")).toContain("Logis d'O'Brien");
    expect(await orgs('%')).toContain("Logis d'O'Brien");
    expect(await orgs('%')).not.toContain('Bailleur Alpha');
    expect(await orgs('_')).not.toContain('Bailleur Alpha');
    expect(await orgs('\\')).toContain("Logis d'O'Brien");
    expect(await orgs('\\')).not.toContain('Bailleur Bêta');
    expect(await orgs("x' or '1'='1")).not.toContain('Bailleur');

    const users = async (q: string) => $((await admin.get(`/utilisateurs?q=${encodeURIComponent(q)}`)).text)('table tbody tr').text();
    expect(await users("D'Artagnan")).toContain('d.artagnan@exemple.fr');
    expect(await users('%')).not.toContain('@alpha.test');
    expect(await users("' or 1=1 --")).not.toContain('@alpha.test');

    const households = async (q: string) => $((await admin.get(`/menages?q=${encodeURIComponent(q)}`)).text)('table tbody tr').text();
    expect(await households("BAIL'50%_\\X")).toContain("BAIL'50%_\\X");
    expect(await households("N'Diaye")).toContain("BAIL'50%_\\X");
    const percent = await households('%');
    expect(percent).toContain("BAIL'50%_\\X");
    expect(percent).not.toContain('BAIL-');
  });
});
