import { createHash } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { insertUser, TEST_PASSWORD } from '../factories/user';
import { $, type Agent, csrfToken } from '../support/http';
import { useWorld } from '../support/world';

/**
 * ASVS 2.2.1: failed logins are limited per account (the e-mail typed, normalised) as well as per
 * source address, so that a password tried from many addresses is stopped, and one person behind
 * the address of an office or a proxy does not lock everyone out. Password-reset mails are
 * throttled per account and per address, with the same answer whatever happens (no enumeration).
 */
const t = useWorld();

/** As behind the reverse proxy (TRUST_PROXY=true): each request says which address it comes from. */
beforeAll(() => {
  t.ctx.app.set('trust proxy', 1);
});

async function post(agent: Agent, path: string, fields: Record<string, string>, from: string) {
  const token = await csrfToken(agent, path);
  return agent
    .post(path)
    .set('X-Forwarded-For', from)
    .type('form')
    .send({ _csrf: token, ...fields });
}
/** The account counter's key: a digest of the normalised e-mail (no address stored in the counters). */
const accountKey = (email: string) => `login-account:email:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
const login = (email: string, password: string, from: string) => post(request.agent(t.ctx.app), '/connexion', { email, password }, from);

describe('the login limits', () => {
  it('keep 30 failures per address and 15 minutes by default', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).loginRateLimitPer15Min).toBe(30);
  });

  it('stop an account tried from many addresses after 10 failures, whatever the case and spaces of the e-mail', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(i % 2 ? 'Cible@Exemple.fr ' : 'cible@exemple.fr', `mauvais-${i}`, `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const blocked = await login('cible@exemple.fr', 'encore-un-essai', '198.51.100.99');
    expect(blocked.status).toBe(429);
    expect($(blocked.text)('main').text()).toContain('Trop de tentatives de connexion sur ce compte');
    // another account from those same addresses is not concerned
    expect((await login('autre@exemple.fr', 'mauvais', '198.51.100.1')).status).toBe(401);
    // counted under the normalised e-mail (the refused try counts too), never stored in clear
    expect(
      (
        await t.ctx
          .knex('rate_limits')
          .where({ key: accountKey('cible@exemple.fr') })
          .first('hits')
      ).hits,
    ).toBe(11);
    expect(await t.ctx.knex('rate_limits').where('key', 'like', '%cible%').first()).toBeUndefined();
  });

  it('let a colleague behind the same address log in while someone there fails on other accounts', async () => {
    const office = '203.0.113.7';
    for (let i = 0; i < 12; i++) expect((await login(`inconnu${i}@exemple.fr`, 'mauvais-mot-de-passe', office)).status).toBe(401);
    const res = await login(t.world.users.operator.email, TEST_PASSWORD, office);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
  });

  it('count a successful login as no failure', async () => {
    for (let i = 0; i < 12; i++) expect((await login(t.world.users.auditor.email, TEST_PASSWORD, `192.0.2.${i + 1}`)).status).toBe(302);
    // the limiter takes a success back once the answer has gone (after the response): wait for the last one to land
    const hits = async () =>
      Number(
        (
          await t.ctx
            .knex('rate_limits')
            .where({ key: accountKey(t.world.users.auditor.email) })
            .first('hits')
        )?.hits ?? 0,
      );
    for (let tries = 0; tries < 40 && (await hits()) !== 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await hits()).toBe(0);
  });
});

describe('the forgotten-password mails', () => {
  const forgot = (email: string, from: string) => post(request.agent(t.ctx.app), '/mot-de-passe/oublie', { email }, from);
  const resetMails = (email: string) => t.ctx.knex('mail_outbox').where({ to_address: email, kind: 'user.password_reset' });
  /** What the person sees: where they are sent, then the message shown there. */
  async function answer(email: string, from: string) {
    const agent = request.agent(t.ctx.app);
    const res = await post(agent, '/mot-de-passe/oublie', { email }, from);
    const next = await agent.get(res.headers.location as string);
    return { status: res.status, location: res.headers.location, message: $(next.text)('.alert').text().trim() };
  }

  it('are at most 3 an hour per account, from any address, with the same answer as for an unknown address', async () => {
    const email = t.world.users.social_adviser.email;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await answer(email, `198.18.0.${i + 1}`));
    expect(await resetMails(email)).toHaveLength(3);
    const unknown = await answer('personne@exemple.fr', '198.18.0.50');
    for (const a of answers) expect(a).toEqual(unknown);
    expect(unknown.message).toContain('Si un compte actif correspond à cette adresse');
    expect(t.ctx.logs.some((l) => l.includes('auth.reset_throttled') && l.includes('"scope":"account"'))).toBe(true);
    t.ctx.clock.advanceMinutes(61);
    await forgot(email, '198.18.0.9');
    expect(await resetMails(email)).toHaveLength(4);
  });

  it('are at most 10 per 15 minutes from one address, every request counted, with the same answer past the limit', async () => {
    const from = '198.18.1.1';
    const users = [];
    for (let i = 0; i < 12; i++)
      users.push(await insertUser(t.ctx.knex, { organisationId: t.world.landlordA.id, role: 'landlord_instructor', email: `demandeur${i}@alpha.test` }));
    const answers = [];
    for (const u of users) answers.push(await answer(u.email, from));
    const mailed = await t.ctx
      .knex('mail_outbox')
      .whereIn(
        'to_address',
        users.map((u) => u.email),
      )
      .where({ kind: 'user.password_reset' });
    expect(mailed).toHaveLength(10);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[11]).toMatchObject({ status: 302, location: '/connexion' });
    // another address is not held back
    await forgot(users[11]?.email as string, '198.18.1.2');
    expect(await resetMails(users[11]?.email as string)).toHaveLength(1);
  });
});
