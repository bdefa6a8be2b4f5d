import request from 'supertest';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { csrfToken, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Issue 18: one log line per HTTP request — method, route pattern, status, duration, request id,
 * user id, no personal data nor query value — and every line written while serving a request
 * carries its request id and user id from the request's context (AsyncLocalStorage), not by hand.
 */
const t = useWorld();

const linesFrom = (from: number) =>
  t.ctx.logs
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((l) => typeof l === 'object' && l !== null);

describe('the request log', () => {
  it('writes one line per request with the route’s pattern, never the path’s id nor a query value', async () => {
    await insertAidTypes(t.ctx.knex);
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
      aidTypeId: (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id,
      createdBy: t.world.users.instructorA.id,
      status: 'in_review',
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const from = t.ctx.logs.length;
    const res = await operator.get(`/demandes/${id}?q=Martin%20Julie`);
    expect(res.status).toBe(200);
    const lines = linesFrom(from).filter((l) => l.message === 'request');
    expect(lines).toEqual([
      expect.objectContaining({
        method: 'GET',
        route: '/demandes/:id',
        status: 200,
        durationMs: expect.any(Number),
        requestId: res.headers['x-request-id'],
        userId: t.world.users.operator.id,
      }),
    ]);
    const written = t.ctx.logs.slice(from).join('\n');
    expect(written).not.toContain(id);
    expect(written).not.toContain('Martin');
  });

  it('names unmatched paths and static files without their path, and answers anonymous requests without a user', async () => {
    const from = t.ctx.logs.length;
    const agent = request(t.ctx.app);
    await agent.get('/nulle-part/0123456789');
    await agent.get('/public/css/app.css');
    const lines = linesFrom(from).filter((l) => l.message === 'request' && l.method === 'GET');
    expect(lines.map((l) => [l.route, l.status, 'userId' in l])).toEqual(
      expect.arrayContaining([
        ['(aucune route)', 404, false],
        ['(fichier statique)', expect.any(Number), false],
      ]),
    );
    // (the not-found security event names the path on purpose; the request line never does)
    expect(JSON.stringify(lines)).not.toContain('0123456789');
  });

  it('a line written deep in a request (a rejected form, after the body parser and the session) carries the request id and the user by itself', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(admin, '/fonds/nouveau');
    const from = t.ctx.logs.length;
    const res = await admin.post('/fonds/nouveau').type('form').send({ _csrf: token, name: '' });
    expect(res.status).toBe(400);
    const rejected = linesFrom(from).find((l) => l.event === 'input.invalid');
    expect(rejected).toMatchObject({ requestId: res.headers['x-request-id'], userId: t.world.users.admin.id });
    expect(linesFrom(from).find((l) => l.message === 'request')).toMatchObject({
      method: 'POST',
      route: '/fonds/nouveau',
      status: 400,
      userId: t.world.users.admin.id,
    });
  });
});
