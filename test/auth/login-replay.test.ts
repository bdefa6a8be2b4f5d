import request from 'supertest';
import { $, type Agent, csrfToken, loginAs } from '../support/http';
import { useWorld } from '../support/world';
import { TEST_PASSWORD } from '../factories/user';

/**
 * A form is remembered across login only when it provably comes from our own pages (same-origin
 * Origin, or Referer when Origin is absent, and one of our cookies): a cross-site POST is never
 * replayed or pre-filled after the victim logs in (ASVS 4.0.3 V4.2.2 CSRF, V13.2.3 origin checks;
 * V3.3 session expiry keeps the legitimate typed values).
 */
const t = useWorld();

const APP = 'http://entraide.test';
const EVIL = 'https://evil.example';
const editPath = () => `/utilisateurs/${t.world.users.instructorA.id}/modifier`;

/** Logs in on an agent that already holds a session cookie, as a victim would on the login page. */
async function logIn(agent: Agent, email = t.world.users.admin.email) {
  const token = await csrfToken(agent);
  return agent.post('/connexion').type('form').send({ _csrf: token, email, password: TEST_PASSWORD });
}

async function savedForms(): Promise<string[]> {
  const rows = await t.ctx.knex('sessions').select('sess');
  return rows
    .map((r: { sess: unknown }) => (typeof r.sess === 'string' ? r.sess : JSON.stringify(r.sess)))
    .filter((s: string) => s.includes('savedForm') || s.includes('returnTo'));
}

async function expectNotPrefilled(agent: Agent) {
  const login = await logIn(agent);
  expect(login.status).toBe(302);
  expect(login.headers.location).toBe('/');
  const form = $((await agent.get(editPath())).text);
  expect(form('#email').attr('value')).toBe(t.world.users.instructorA.email);
  expect(form.html()).not.toContain('attacker@evil.example');
}

describe('a cross-site POST from an anonymous visitor', () => {
  it.each([
    ['a foreign Origin and Referer', (): Record<string, string> => ({ Origin: EVIL, Referer: `${EVIL}${editPath()}` })],
    ['no Origin and a foreign Referer', (): Record<string, string> => ({ Referer: `${EVIL}/piege` })],
    ['a foreign Origin and our own Referer', (): Record<string, string> => ({ Origin: EVIL, Referer: `${APP}${editPath()}` })],
    ['an opaque Origin (null)', (): Record<string, string> => ({ Origin: 'null', Referer: `${APP}${editPath()}` })],
    ['neither Origin nor Referer', (): Record<string, string> => ({})],
  ])('with %s is refused, nothing is kept, and after login the victim lands on the home page', async (_label, headersOf) => {
    const headers = headersOf();
    const agent = request.agent(t.ctx.app);
    const before = (await savedForms()).length;
    const attack = await agent
      .post(editPath())
      .set(headers)
      .type('form')
      .send({ email: 'attacker@evil.example', firstName: 'Pirate', lastName: 'Pirate', role: 'landlord_admin' });
    expect(attack.status).toBe(403);
    expect(attack.headers.location).toBeUndefined();
    expect((await savedForms()).length).toBe(before);
    await expectNotPrefilled(agent);
  });

  it('with our own Origin but without any of our cookies (a forged header from a script, not a browser) keeps nothing', async () => {
    const agent = request.agent(t.ctx.app);
    const attack = await agent
      .post(editPath())
      .set({ Origin: APP, Referer: `${APP}${editPath()}` })
      .type('form')
      .send({ email: 'attacker@evil.example' });
    expect(attack.status).toBe(403);
    await expectNotPrefilled(agent);
  });
});

describe('a cross-site POST into a session that has just expired', () => {
  it('is not kept either: the victim logs in again and lands on the home page', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    t.ctx.clock.advanceMinutes(45);
    const attack = await agent
      .post(editPath())
      .set({ Origin: EVIL, Referer: `${EVIL}/piege` })
      .type('form')
      .send({ email: 'attacker@evil.example' });
    expect(attack.status).toBe(302);
    expect(attack.headers.location).toBe('/connexion');
    await expectNotPrefilled(agent);
  });
});

describe('our own form posted into a session that is gone', () => {
  const organisation = { kind: 'landlord', name: 'Logis de Saône', siren: '412 345 670', city: 'Mâcon' };

  async function expectKept(agent: Agent, res: request.Response) {
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/connexion');
    const login = await logIn(agent);
    expect(login.headers.location).toBe('/admin/membres/nouveau');
    const page = $((await agent.get('/admin/membres/nouveau')).text);
    expect(page('#name').attr('value')).toBe(organisation.name);
    expect(page('#city').attr('value')).toBe('Mâcon');
  }

  it('expired: values kept with our Origin', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/admin/membres/nouveau');
    t.ctx.clock.advanceMinutes(45);
    const res = await agent
      .post('/admin/membres')
      .set({ Origin: APP, Referer: `${APP}/admin/membres/nouveau` })
      .type('form')
      .send({ _csrf: token, ...organisation });
    await expectKept(agent, res);
  });

  it('vanished from the database (cleaned up, restored backup): values kept with our Origin and the session cookie', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/admin/membres/nouveau');
    await t.ctx.knex('sessions').delete();
    const res = await agent
      .post('/admin/membres')
      .set({ Origin: APP, Referer: `${APP}/admin/membres/nouveau` })
      .type('form')
      .send({ _csrf: token, ...organisation });
    await expectKept(agent, res);
  });

  it('whose cookie the browser dropped (idle timeout): values kept, the CSRF cookie proving the browser was on our pages', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/admin/membres/nouveau');
    agent.jar.setCookie('entraide.sid=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', '127.0.0.1', '/');
    const res = await agent
      .post('/admin/membres')
      .set({ Origin: APP, Referer: `${APP}/admin/membres/nouveau` })
      .type('form')
      .send({ _csrf: token, ...organisation });
    await expectKept(agent, res);
  });

  it('behind the request’s own host (no Origin, a Referer of the same host): values kept', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(agent, '/admin/membres/nouveau');
    await t.ctx.knex('sessions').delete();
    const own = agent.post('/admin/membres');
    const res = await own
      .set('Host', 'extranet.local')
      .set('Referer', 'http://extranet.local/admin/membres/nouveau')
      .type('form')
      .send({ _csrf: token, ...organisation });
    await expectKept(agent, res);
  });
});

describe('pages remembered for after login', () => {
  it('an anonymous GET is remembered, an htmx fragment is not', async () => {
    const agent = request.agent(t.ctx.app);
    expect((await agent.get('/menages?q=Martin')).headers.location).toBe('/connexion');
    expect((await logIn(agent)).headers.location).toBe('/menages?q=Martin');
    const hx = request.agent(t.ctx.app);
    expect((await hx.get('/personnes/doublons?lastName=A').set('HX-Request', 'true')).status).toBe(204);
    expect((await logIn(hx)).headers.location).toBe('/');
  });
});
