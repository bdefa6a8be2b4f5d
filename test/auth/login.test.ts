import { createApp } from '../../src/app';
import request from 'supertest';
import { LOGIN_FAILED_MESSAGE } from '../../src/auth/service';
import { startTestApp, type TestContext } from '../support/app';
import { useWorld } from '../support/world';
import { $, csrfToken, loginAs, postForm } from '../support/http';
import { TEST_PASSWORD } from '../factories/user';

const t = useWorld();

const loginPost = (agent: ReturnType<typeof request.agent>, email: string, password: string) => postForm(agent, '/connexion', { email, password });

describe('login', () => {
  it('logs a user in and lands on the home page of the role, with name, organisation and logout button', async () => {
    const agent = request.agent(t.ctx.app);
    const res = await loginPost(agent, t.world.users.operator.email, TEST_PASSWORD);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    const page = $(home.text);
    expect(page('h1').text()).toContain('Bonjour');
    expect(page('.user-box').text()).toContain('Association Test');
    expect(page('button').text()).toContain('Se déconnecter');
  });

  it('gives the same message for an unknown e-mail and a wrong password', async () => {
    const unknown = await loginPost(request.agent(t.ctx.app), 'personne@nulle-part.fr', 'whatever-password-1');
    const wrong = await loginPost(request.agent(t.ctx.app), t.world.users.auditor.email, 'not-the-password-1');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect($(unknown.text)('.error-summary #form-error').text()).toBe(LOGIN_FAILED_MESSAGE);
    expect($(wrong.text)('.error-summary #form-error').text()).toBe(LOGIN_FAILED_MESSAGE);
    expect($(wrong.text)('#email').attr('value')).toBe(t.world.users.auditor.email);
  });

  it('stores passwords as argon2id hashes only', async () => {
    const row = await t.ctx.knex('users').where({ id: t.world.users.admin.id }).first('password_hash');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
  });

  it('locks the account for 15 minutes after 5 failures, even with the right password, then lets it in again', async () => {
    const email = t.world.users.social_adviser.email;
    for (let i = 0; i < 5; i++) await loginPost(request.agent(t.ctx.app), email, `wrong-password-${i}`);
    const locked = await loginPost(request.agent(t.ctx.app), email, TEST_PASSWORD);
    expect(locked.status).toBe(401);
    expect($(locked.text)('.error-summary #form-error').text()).toBe(LOGIN_FAILED_MESSAGE);
    const mail = await t.ctx.knex('mail_outbox').where({ to_address: email, kind: 'user.locked' }).first();
    expect(mail).toBeTruthy();

    t.ctx.clock.advanceMinutes(16);
    const again = await loginPost(request.agent(t.ctx.app), email, TEST_PASSWORD);
    expect(again.status).toBe(302);
    const row = await t.ctx.knex('users').where({ email }).first('failed_logins', 'locked_until');
    expect(row.failed_logins).toBe(0);
    expect(row.locked_until).toBeNull();
  });

  it('gives a new session id at login (no session fixation)', async () => {
    const agent = request.agent(t.ctx.app);
    const first = await agent.get('/connexion');
    const before = (first.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('entraide.sid='));
    expect(before).toBeDefined();
    const res = await loginPost(agent, t.world.users.admin.email, TEST_PASSWORD);
    const after = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('entraide.sid='));
    expect(after).toBeDefined();
    expect(after?.split(';')[0]).not.toBe(before?.split(';')[0]);
  });

  it('destroys the session at logout: the old cookie no longer opens a page', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const home = await agent.get('/');
    const cookie = (home.request as unknown as { cookies: string }).cookies;
    const token = await csrfToken(agent, '/');
    const out = await agent.post('/deconnexion').type('form').send({ _csrf: token });
    expect(out.status).toBe(302);
    expect(out.headers.location).toBe('/connexion?deconnecte=1');
    const replay = await request(t.ctx.app).get('/').set('Cookie', cookie);
    expect(replay.status).toBe(302);
    expect(replay.headers.location).toBe('/connexion');
  });

  it('refuses a deactivated account and the users of a suspended organisation', async () => {
    await t.ctx.knex('users').where({ id: t.world.users.instructorB.id }).update({ status: 'deactivated' });
    const deactivated = await loginPost(request.agent(t.ctx.app), t.world.users.instructorB.email, TEST_PASSWORD);
    expect(deactivated.status).toBe(401);
    expect($(deactivated.text)('.error-summary #form-error').text()).toContain('désactivé');

    await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).update({ status: 'suspended' });
    const suspended = await loginPost(request.agent(t.ctx.app), t.world.users.adminB.email, TEST_PASSWORD);
    expect(suspended.status).toBe(401);
    expect($(suspended.text)('.error-summary #form-error').text()).toContain('suspendu');
    await t.ctx.knex('organisations').where({ id: t.world.landlordB.id }).update({ status: 'active' });
    await t.ctx.knex('users').where({ id: t.world.users.instructorB.id }).update({ status: 'active' });
  });

  it('sends an anonymous visitor to the login page and back to the page asked for', async () => {
    const agent = request.agent(t.ctx.app);
    const first = await agent.get('/utilisateurs?q=alpha');
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/connexion');
    const res = await loginPost(agent, t.world.users.admin.email, TEST_PASSWORD);
    expect(res.headers.location).toBe('/utilisateurs?q=alpha');
  });

  it('shows the previous login on the home page and the account page', async () => {
    const email = t.world.users.accountant.email;
    await loginAs(t.ctx.app, email);
    t.ctx.clock.advanceMinutes(60);
    const agent = await loginAs(t.ctx.app, email);
    const account = await agent.get('/mon-compte');
    expect($(account.text)('#previous-login').text()).toMatch(/\d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}/);
  });

  it('never writes the password into the logs', async () => {
    await loginPost(request.agent(t.ctx.app), t.world.users.operator.email, 'secret-typed-by-mistake-42');
    expect(t.ctx.logs.some((l) => l.includes('auth.login_failed'))).toBe(true);
    expect(t.ctx.logs.join('\n')).not.toContain('secret-typed-by-mistake-42');
    expect(t.ctx.logs.join('\n')).not.toContain(TEST_PASSWORD);
  });
});

describe('login rate limit', () => {
  let limited: TestContext;
  beforeAll(async () => {
    limited = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '3' });
  });
  afterAll(() => limited.close());

  it('answers 429 in French once an address has failed too often', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await loginPost(request.agent(limited.app), `inconnu${i}@exemple.fr`, 'wrong-password-123');
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('counts the failures of every replica together (the counters are in the database)', async () => {
    const shared = await startTestApp({ LOGIN_RATE_LIMIT_PER_15_MIN: '3' });
    try {
      // two processes of the extranet on one database
      const [one, two] = [shared.app, createApp(shared.services)];
      const statuses: number[] = [];
      for (const app of [one, two, one, two, one]) statuses.push((await loginPost(request.agent(app), 'inconnu@exemple.fr', 'wrong-password-123')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(await shared.knex('rate_limits').where('key', 'like', 'login:%').first('hits')).toMatchObject({ hits: 5 });
    } finally {
      await shared.close();
    }
  });
});
