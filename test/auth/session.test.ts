import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { $, csrfToken, loginAs } from '../support/http';
import { insertOrganisation } from '../factories/organisation';
import { insertUser } from '../factories/user';

let ctx: TestContext;
let adminEmail: string;

beforeAll(async () => {
  ctx = await startTestApp();
  const association = await insertOrganisation(ctx.knex, { kind: 'association' });
  adminEmail = (await insertUser(ctx.knex, { organisationId: association.id, role: 'admin' })).email;
});
afterAll(() => ctx.close());

function sessionCookie(res: request.Response): string {
  const cookies = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = cookies?.find((c) => c.startsWith('entraide.sid='));
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

describe('session cookie and lifetime', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie with a 30-minute lifetime, not Secure on plain HTTP', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent);
    const res = await agent.post('/connexion').type('form').send({ _csrf: token, email: adminEmail, password: 'correct-horse-battery-staple' });
    const cookie = sessionCookie(res);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const expires = new Date(/Expires=([^;]+)/i.exec(cookie)?.[1] ?? '');
    const minutes = (expires.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(28);
    expect(minutes).toBeLessThanOrEqual(30.1);
  });

  it('ends the session after 30 minutes without activity', async () => {
    const agent = await loginAs(ctx.app, adminEmail);
    ctx.clock.advanceMinutes(29);
    expect((await agent.get('/utilisateurs')).status).toBe(200);
    ctx.clock.advanceMinutes(29); // still fine: activity 29 minutes ago
    expect((await agent.get('/utilisateurs')).status).toBe(200);
    ctx.clock.advanceMinutes(31);
    const expired = await agent.get('/utilisateurs');
    expect(expired.status).toBe(302);
    expect(expired.headers.location).toBe('/connexion');
    const login = await agent.get('/connexion');
    expect($(login.text)('.alert').text()).toContain('Votre session a expiré');
  });

  it('ends the session 12 hours after login even when active', async () => {
    const agent = await loginAs(ctx.app, adminEmail);
    for (let i = 0; i < 25; i++) {
      ctx.clock.advanceMinutes(29);
      const res = await agent.get('/');
      if (i < 24) expect(res.status).toBe(200);
      else expect(res.status).toBe(302); // 25 × 29 min = 12 h 05
    }
  });

  it('keeps what was typed when the session expired during a form, and gives it back after login', async () => {
    const agent = await loginAs(ctx.app, adminEmail);
    const token = await csrfToken(agent, '/admin/membres/nouveau');
    ctx.clock.advanceMinutes(45);
    const res = await agent
      .post('/admin/membres')
      .set('Referer', 'http://entraide.test/admin/membres/nouveau')
      .type('form')
      .send({ _csrf: token, kind: 'landlord', name: 'Logis du Rhône', siren: '412 345 670', city: 'Vienne' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/connexion');
    const newToken = await csrfToken(agent);
    const login = await agent.post('/connexion').type('form').send({ _csrf: newToken, email: adminEmail, password: 'correct-horse-battery-staple' });
    expect(login.headers.location).toBe('/admin/membres/nouveau');
    const form = await agent.get('/admin/membres/nouveau');
    const page = $(form.text);
    expect(page('#name').attr('value')).toBe('Logis du Rhône');
    expect(page('#city').attr('value')).toBe('Vienne');
    expect(await ctx.knex('organisations').where({ name: 'Logis du Rhône' }).first()).toBeUndefined();
  });
});

describe('behind a TLS proxy (TRUST_PROXY=true)', () => {
  let tls: TestContext;
  beforeAll(async () => {
    tls = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => tls.close());

  it('marks the session cookie Secure and sends HSTS', async () => {
    const res = await request(tls.app).get('/connexion').set('X-Forwarded-Proto', 'https');
    expect(sessionCookie(res)).toMatch(/;\s*Secure/i);
    expect(res.headers['strict-transport-security']).toContain('max-age=31536000');
  });
});

describe('session writes', () => {
  const stored = async (knex: TestContext['knex']) =>
    (await knex('sessions').select('sid', 'sess')).map((r: { sid: string; sess: unknown }) => JSON.stringify(r.sess)).sort();

  it('reads the session on each page but writes it back at most once a minute while only reading', async () => {
    const agent = await loginAs(ctx.app, adminEmail);
    await agent.get('/utilisateurs');
    const before = await stored(ctx.knex);
    ctx.clock.advanceMinutes(0.5);
    expect((await agent.get('/utilisateurs')).status).toBe(200);
    expect(await stored(ctx.knex)).toEqual(before);
    ctx.clock.advanceMinutes(1);
    const res = await agent.get('/utilisateurs');
    expect(res.status).toBe(200);
    expect(await stored(ctx.knex)).not.toEqual(before);
    // the cookie's expiry moves forward with that write
    expect(sessionCookie(res)).toMatch(/Expires=/);
  });
});
