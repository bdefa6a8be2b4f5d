import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

describe('probes for load balancers and monitoring', () => {
  it('healthz says the process is alive, without a session cookie', async () => {
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('readyz says ready when the database answers and every migration is applied', async () => {
    const res = await request(ctx.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ready: true,
      database: 'ok',
      pendingMigrations: 0,
      disk: { data: { freeMb: expect.any(Number), ok: true }, backups: { freeMb: expect.any(Number), ok: true } },
    });
  });

  it('readyz answers 503 when a migration of this code is not applied', async () => {
    const last = await ctx.knex('knex_migrations').orderBy('id', 'desc').first();
    await ctx.knex('knex_migrations').where({ id: last.id }).delete();
    const res = await request(ctx.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.pendingMigrations).toBe(1);
    await ctx.knex('knex_migrations').insert(last);
  });
});

describe('readyz and the disk', () => {
  let tight: TestContext;
  beforeAll(async () => {
    // more free space asked than any disk here has: the folders are « full »
    tight = await startTestApp({ READY_MIN_FREE_MB: '10000000' });
  });
  afterAll(() => tight.close());

  it('answers 503 when the data or backup folder has less free space than READY_MIN_FREE_MB, saying which', async () => {
    const res = await request(tight.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ready: false, database: 'ok', disk: { data: { ok: false }, backups: { ok: false } } });
    expect(res.body.disk.data.freeMb).toBeLessThan(10_000_000);
  });
});
