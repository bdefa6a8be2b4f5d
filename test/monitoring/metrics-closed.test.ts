import request from 'supertest';
import { useWorld } from '../support/world';

/** Issue 18: neither a token nor an address configured, /metrics answers nobody. */
const t = useWorld();

describe('GET /metrics unconfigured', () => {
  it('is refused (403), even from the loopback', async () => {
    const res = await request(t.ctx.app).get('/metrics');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Accès aux métriques refusé');
  });
});
