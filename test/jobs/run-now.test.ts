import { accessLogRetention } from '../../src/jobs/definitions/access-log-retention';
import { mailRetry } from '../../src/jobs/definitions/mail-retry';
import { TEST_NOW } from '../support/app';
import { $, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/** The jobs page: each job in French with its schedule in words, its last run, and "Lancer maintenant" through the scheduler's claim. */
const t = useWorld();
const runsOf = (job: string) => t.ctx.knex('job_runs').where({ job });
const flash = async (agent: Awaited<ReturnType<typeof loginAs>>) => $((await agent.get('/admin/taches')).text)('.alert').text();

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('the jobs page', () => {
  it('names each job in French with its code in small, and says when it runs in words', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/taches')).text);
    const row = page('#tache-sepa-batches');
    expect(row.find('strong').first().text()).toBe('Lots de virements SEPA');
    expect(row.find('code.small').text()).toBe('sepa-batches');
    expect(row.text()).toContain('chaque nuit à 02:00');
    expect(page('#tache-appointment-reminders').text()).toContain('toutes les 5 minutes');
    expect(page('#tache-access-alerts').text()).toContain('toutes les heures à :05');
    expect(page('#tache-information-reminders').text()).toContain('chaque jour à 08:00');
    expect(page('main').text()).not.toContain('*/5 * * * *');
    expect(row.text()).toContain('Jamais exécutée');
  });

  it('runs a job now for the current period, once: a second click says the period already ran', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const period = accessLogRetention.periodKey(TEST_NOW);
    const first = await postForm(admin, '/admin/taches/access-log-retention/lancer', {}, '/admin/taches');
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/admin/taches');
    expect(await flash(admin)).toContain(`« Purge des traces de consultation » exécutée pour la période ${period}`);
    expect(await runsOf('access-log-retention')).toEqual([
      expect.objectContaining({ period_key: period, status: 'succeeded', attempts: 1, started_by: expect.not.stringMatching(/^Planificateur$/) }),
    ]);

    expect((await postForm(admin, '/admin/taches/access-log-retention/lancer', {}, '/admin/taches')).status).toBe(302);
    expect(await flash(admin)).toContain('n’a pas été lancée : déjà exécutée pour cette période');
    const [run] = await runsOf('access-log-retention');
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1, skipped_count: 1 });

    // both clicks are in the audit trail, with what came of them
    const audit = await t.ctx
      .knex('audit_events')
      .where({ entity_type: 'job', entity_id: 'access-log-retention', action: 'job.run_now' })
      .orderBy('occurred_at');
    expect(audit.map((a: { after: { status: string; period: string }; actor_user_id: string }) => [a.after.status, a.after.period, a.actor_user_id])).toEqual([
      ['succeeded', period, t.world.users.admin.id],
      ['skipped', period, t.world.users.admin.id],
    ]);

    // the job's line shows its last run and what it counted
    const row = $((await admin.get('/admin/taches')).text)('#tache-access-log-retention');
    expect(row.text()).toContain(`Réussie, période ${period}`);
    expect(row.text()).toContain('supprimées : 0');
    expect($((await admin.get('/admin/taches')).text)('main').text()).toContain('1 autre lancement pour cette période écarté (le dernier par ');
  });

  it('runs again a period whose run failed', async () => {
    const period = mailRetry.periodKey(TEST_NOW);
    await t.ctx.knex('job_runs').insert({
      job: 'mail-retry',
      period_key: period,
      status: 'failed',
      started_by: 'Planificateur',
      started_at: new Date(TEST_NOW.getTime() - 60_000),
      error: 'serveur SMTP injoignable',
    });
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await postForm(admin, '/admin/taches/mail-retry/lancer', {}, '/admin/taches')).status).toBe(302);
    expect(await runsOf('mail-retry')).toEqual([expect.objectContaining({ period_key: period, status: 'succeeded', attempts: 2, error: null })]);
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'job', entity_id: 'mail-retry', action: 'job.run_now' }).first()).toMatchObject({
      after: { status: 'succeeded', period },
    });

    // "Relancer" on an older failed run runs it for its own period, audited too
    const [older] = await t.ctx
      .knex('job_runs')
      .insert({
        job: 'mail-retry',
        period_key: '2026-11-22T09:00',
        status: 'failed',
        started_by: 'Planificateur',
        started_at: new Date(TEST_NOW.getTime() - 86_400_000),
        error: 'panne',
      })
      .returning('id');
    expect((await postForm(admin, `/admin/taches/${(older as { id: string }).id}/relancer`, {}, '/admin/taches')).status).toBe(302);
    expect(
      await t.ctx
        .knex('job_runs')
        .where({ id: (older as { id: string }).id })
        .first(),
    ).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'job', entity_id: 'mail-retry', action: 'job.rerun' }).first()).toMatchObject({
      actor_user_id: t.world.users.admin.id,
      after: { status: 'succeeded', period: '2026-11-22T09:00' },
    });
  });

  it('answers 404 for a job that does not exist and 403 to anyone but the association’s administrators', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await postForm(admin, '/admin/taches/inconnue/lancer', {}, '/admin/taches')).status).toBe(404);
    const before = await runsOf('mail-retry');
    for (const user of [t.world.users.operator, t.world.users.accountant, t.world.users.adminA]) {
      const agent = await loginAs(t.ctx.app, user.email);
      expect((await postForm(agent, '/admin/taches/mail-retry/lancer', {}, '/mon-compte')).status).toBe(403);
    }
    expect(await runsOf('mail-retry')).toEqual(before);
  });
});
