import request from 'supertest';
import { useWorld } from '../support/world';

/** Issue 18: Prometheus on an allowed address reads /metrics without a token; no token configured, any other address is refused (403). */
const t = useWorld({ METRICS_ALLOW: '10.0.0.7, 127.0.0.1, ::1' });

describe('GET /metrics from an allowed address', () => {
  it('answers the loopback listed in METRICS_ALLOW without a token', async () => {
    const res = await request(t.ctx.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('# HELP entraide_mail_queue_size');
  });
});
