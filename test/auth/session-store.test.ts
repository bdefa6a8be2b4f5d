import { startTestApp, type TestContext } from '../support/app';
import { loginAs } from '../support/http';
import { insertOrganisation } from '../factories/organisation';
import { insertUser } from '../factories/user';

/**
 * The session store reads a session and the user it names in one statement (issue 20): what it
 * hands to passport must open exactly what the user's own read would — nothing for a session naming
 * no valid user, a deactivated one, or another id than the session's.
 */
let ctx: TestContext;
let email: string;
let userId: string;

beforeAll(async () => {
  ctx = await startTestApp();
  const association = await insertOrganisation(ctx.knex, { kind: 'association' });
  const user = await insertUser(ctx.knex, { organisationId: association.id, role: 'admin' });
  email = user.email;
  userId = user.id;
});
afterAll(() => ctx.close());

/** Rewrites the passport entry of every stored session (the test's one agent). */
async function setSessionUser(value: unknown): Promise<void> {
  const rows = await ctx.knex('sessions').select<Array<{ sid: string; sess: unknown }>>('sid', 'sess');
  for (const row of rows) {
    const sess = (typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess) as { passport?: { user?: unknown } };
    if (!sess.passport) continue;
    sess.passport.user = value;
    await ctx
      .knex('sessions')
      .where({ sid: row.sid })
      .update({ sess: JSON.stringify(sess) });
  }
}

describe('the session read with its user', () => {
  afterEach(async () => {
    await ctx.knex('sessions').delete();
    await ctx.knex('users').where({ id: userId }).update({ status: 'active' });
  });

  it('opens the pages of the user it names', async () => {
    const agent = await loginAs(ctx.app, email);
    expect((await agent.get('/utilisateurs')).status).toBe(200);
  });

  it('opens nothing, without an error, when the session names something that is not a user id', async () => {
    for (const value of ['pas-un-identifiant', "x' or '1'='1", 12, null, '00000000-0000-0000-0000-000000000000']) {
      const agent = await loginAs(ctx.app, email);
      await setSessionUser(value);
      const res = await agent.get('/utilisateurs');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/connexion');
      await ctx.knex('sessions').delete();
    }
  });

  it('opens nothing once the user is deactivated (the user is read again with each request)', async () => {
    const agent = await loginAs(ctx.app, email);
    await ctx.knex('users').where({ id: userId }).update({ status: 'deactivated' });
    const res = await agent.get('/utilisateurs');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/connexion');
  });

  it('reads the session and the user in one statement', async () => {
    const agent = await loginAs(ctx.app, email);
    await agent.get('/');
    const statements: string[] = [];
    const listen = (q: { sql: string }) => statements.push(q.sql);
    ctx.knex.on('query', listen);
    try {
      await agent.get('/utilisateurs');
    } finally {
      ctx.knex.removeListener('query', listen);
    }
    expect(statements.filter((s) => /"sessions"/.test(s) && !/^insert|^with/i.test(s))).toHaveLength(1);
    // no read of the user by its id besides (the page itself lists users)
    expect(statements.filter((s) => /from "users" as "u"/.test(s) && /"u"\."id" = \$1/.test(s))).toHaveLength(0);
  });
});
