import request from 'supertest';
import { TEST_PASSWORD } from '../factories/user';
import { postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Issue 18: GET /metrics in Prometheus' text format, refused without the bearer token; request
 * durations by route pattern and status, the jobs, the mail queue, the batches waiting, the
 * funder files waiting for their acknowledgement, and the security events counted from the logs.
 */
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';
const t = useWorld({ METRICS_TOKEN: TOKEN });
const scrape = () => request(t.ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
/** The value of a sample line `name{labels} value`, labels given in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z0-9_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

describe('GET /metrics', () => {
  it('is refused without the token, or with another one (401, no figure)', async () => {
    const none = await request(t.ctx.app).get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.text).not.toContain('entraide_');
    expect(
      (
        await request(t.ctx.app)
          .get('/metrics')
          .set('Authorization', `Bearer ${TOKEN.slice(1)}x`)
      ).status,
    ).toBe(401);
    expect((await request(t.ctx.app).get('/metrics').set('Authorization', TOKEN)).status).toBe(401);
  });

  it('gives request durations by route pattern and status, never a path as typed', async () => {
    await request(t.ctx.app).get('/connexion');
    await request(t.ctx.app).get('/demandes/7d1c0b1e-0000-4000-8000-000000000000');
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(res.text, 'entraide_http_request_duration_seconds_count', { method: 'GET', route: '/connexion', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(res.text).not.toContain('7d1c0b1e');
    expect(res.text).toContain('# TYPE entraide_http_request_duration_seconds histogram');
    expect(sample(res.text, 'entraide_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('gives no age sample before the first backup, off-site copy or restore drill: the alerts on absence can fire', async () => {
    const text = (await scrape()).text;
    for (const name of [
      'entraide_backup_age_seconds',
      'entraide_backup_offsite_age_seconds',
      'entraide_restore_drill_age_seconds',
      'entraide_restore_drill_last_ok',
    ])
      expect({ name, value: sample(text, name) }).toEqual({ name, value: null });
    // a figure always known still gives its 0
    expect(sample(text, 'entraide_payment_batches_awaiting_approval')).toBe(0);
  });

  it('counts logins and failures from the logs', async () => {
    const before = sample((await scrape()).text, 'entraide_security_events_total', { event: 'auth.login_failed' }) ?? 0;
    await postForm(request.agent(t.ctx.app), '/connexion', { email: t.world.users.auditor.email, password: 'not-the-password-1' });
    await postForm(request.agent(t.ctx.app), '/connexion', { email: t.world.users.operator.email, password: TEST_PASSWORD });
    const text = (await scrape()).text;
    expect(sample(text, 'entraide_security_events_total', { event: 'auth.login_failed' })).toBe(before + 1);
    expect(sample(text, 'entraide_security_events_total', { event: 'auth.login_succeeded' })).toBeGreaterThanOrEqual(1);
  });

  it('reads the jobs, the mail queue, the batches waiting and the funder files waiting for their acknowledgement from the database', async () => {
    const now = t.ctx.clock.now();
    const hourAgo = new Date(now.getTime() - 3_600_000);
    await t.ctx.knex('job_runs').insert([
      {
        job: 'sepa-batches',
        period_key: '2026-11-22',
        status: 'succeeded',
        started_by: 'Planificateur',
        started_at: hourAgo,
        finished_at: new Date(hourAgo.getTime() + 4_000),
      },
      {
        job: 'backup',
        period_key: '2026-11-22',
        status: 'failed',
        started_by: 'Planificateur',
        started_at: hourAgo,
        finished_at: hourAgo,
        error: 'disque plein',
      },
    ]);
    // without SMTP the outbox only stores mails: one waiting as it would with a mail server
    const mailId = await t.ctx.services.mailer.queue(t.ctx.knex, { kind: 'test', to: 'x@test.fr', subject: 'Sujet', text: 'Texte' });
    await t.ctx
      .knex('mail_outbox')
      .where({ id: mailId })
      .update({ status: 'pending', created_at: new Date(now.getTime() - 600_000) });
    const text = (await scrape()).text;
    expect(sample(text, 'entraide_job_last_success_timestamp_seconds', { job: 'sepa-batches' })).toBe((hourAgo.getTime() + 4_000) / 1000);
    expect(sample(text, 'entraide_job_last_duration_seconds', { job: 'sepa-batches' })).toBe(4);
    expect(sample(text, 'entraide_job_failures_24h', { job: 'backup' })).toBe(1);
    expect(sample(text, 'entraide_mail_queue_size')).toBe(1);
    expect(sample(text, 'entraide_mail_queue_oldest_age_seconds')).toBe(600);
    expect(sample(text, 'entraide_payment_batches_awaiting_approval')).toBe(0);
    expect(sample(text, 'entraide_funder_files_unacknowledged')).toBe(0);
  });
});
