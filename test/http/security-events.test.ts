import request from 'supertest';
import { useWorld } from '../support/world';
import { csrfToken, loginAs, postForm } from '../support/http';
import { TEST_PASSWORD } from '../factories/user';
import { insertHousehold } from '../factories/household';

/**
 * ASVS 7.1.3 and 7.2.2: security-relevant events are logged — successful and failed logins, access
 * control failures (403, and another organisation's record answering 404), rejected input — each
 * with who, the request id and the path, never the values typed.
 */
const t = useWorld();

const events = (from: number) =>
  t.ctx.logs
    .slice(from)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((e): e is Record<string, unknown> => e !== null);

describe('security events in the logs', () => {
  it('logs a successful and a failed login with the account and the source address, never the password', async () => {
    const from = t.ctx.logs.length;
    await postForm(request.agent(t.ctx.app), '/connexion', { email: t.world.users.operator.email, password: TEST_PASSWORD });
    await postForm(request.agent(t.ctx.app), '/connexion', { email: t.world.users.auditor.email, password: 'not-the-password-1' });
    const logged = events(from);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'auth.login_succeeded', userId: t.world.users.operator.id, ip: expect.any(String) }),
        expect.objectContaining({ event: 'auth.login_failed', reason: 'bad_password', userId: t.world.users.auditor.id, ip: expect.any(String) }),
      ]),
    );
    expect(t.ctx.logs.slice(from).join('\n')).not.toContain('not-the-password-1');
    expect(t.ctx.logs.slice(from).join('\n')).not.toContain(TEST_PASSWORD);
  });

  it('logs every refused access: a role without the permission (403) and another organisation’s record (404)', async () => {
    const instructor = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const householdA = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const from = t.ctx.logs.length;
    expect((await instructor.get('/admin/membres')).status).toBe(403);
    expect((await instructor.get(`/menages/${householdA.id}`)).status).toBe(404);
    const logged = events(from);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'access.denied', userId: t.world.users.instructorB.id, path: '/admin/membres', requestId: expect.any(String) }),
        expect.objectContaining({ event: 'access.not_found', userId: t.world.users.instructorB.id, path: `/menages/${householdA.id}` }),
      ]),
    );
  });

  it('logs a rejected form with the fields in error, not their values', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(admin, '/utilisateurs/nouveau');
    const from = t.ctx.logs.length;
    const res = await admin.post('/utilisateurs').type('form').send({ _csrf: token, email: 'pas-une-adresse-secrete', firstName: '', lastName: '' });
    expect(res.status).toBe(400);
    expect(events(from)).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'input.invalid', userId: t.world.users.admin.id, fields: expect.arrayContaining(['email']) })]),
    );
    expect(t.ctx.logs.slice(from).join('\n')).not.toContain('pas-une-adresse-secrete');
  });

  it('logs a refused CSRF token', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const from = t.ctx.logs.length;
    expect((await admin.post('/utilisateurs').type('form').send({ _csrf: 'forged', email: 'x@y.fr' })).status).toBe(403);
    expect(events(from)).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'security.csrf_rejected', userId: t.world.users.admin.id })]));
  });
});
