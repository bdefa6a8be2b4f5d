import { JobRunRepository } from '../../src/jobs/repository';
import { JobRunner } from '../../src/jobs/runner';
import { DatabaseBlobStore } from '../../src/files/storage';
import { informationReminders } from '../../src/jobs/definitions/information-reminders';
import { JOBS } from '../../src/jobs/registry';
import type { JobDefinition, JobResult } from '../../src/jobs/runner';
import type { Services } from '../../src/services';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, download, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The job runner: each run kept in job_runs (who, when, counts, files, error, attempts), one
 * successful run per (job, period) so a second start does not do the work twice, a run held by
 * another process left alone unless it is stale, a failure recorded and retried on the next start,
 * and the jobs page and its files for the association's administrators only.
 */
const t = useWorld();
const SCHEDULER = { userId: null, label: 'Planificateur' };
const blobs = new DatabaseBlobStore();
const runOf = (job: string, period: string) => t.ctx.knex('job_runs').where({ job, period_key: period }).first();

/** A job whose effect is counted in `effects` (what a second execution would double). */
function countingJob(name: string, effects: string[], options: { fail?: string; file?: boolean } = {}): JobDefinition<Services> {
  return {
    name,
    label: `Tâche ${name}`,
    description: 'Une tâche de test',
    schedule: '0 3 * * *',
    periodKey: (now) => now.toISOString().slice(0, 10),
    run: async (_services, { period }): Promise<JobResult> => {
      if (options.fail) throw new Error(options.fail);
      effects.push(period);
      if (!options.file) return { counts: { lines: 3, skipped: 1 } };
      const blob = await t.ctx.knex.transaction((trx) => blobs.put(trx, Buffer.from('journal;numero\nOD;1\n'), 'text/csv'));
      return { counts: { lines: 1 }, outputs: [{ label: 'Écritures', fileName: `ecritures-${period}.csv`, blobId: blob.id, contentType: 'text/csv' }] };
    },
  };
}

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('a run', () => {
  it('is recorded with who started it, when, its counts and its files; the files download for administrators only', async () => {
    const effects: string[] = [];
    const job = countingJob('export-essai', effects, { file: true });
    const outcome = await t.ctx.services.jobs.run(job, t.ctx.services, SCHEDULER);
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { lines: 1 } });
    const run = await runOf('export-essai', '2026-11-23');
    expect(run).toMatchObject({ status: 'succeeded', started_by: 'Planificateur', attempts: 1, counts: { lines: 1 }, error: null, skipped_count: 0 });
    expect(new Date(run.started_at).toISOString()).toBe(TEST_NOW.toISOString());
    expect(new Date(run.finished_at).toISOString()).toBe(TEST_NOW.toISOString());
    expect(run.outputs).toEqual([expect.objectContaining({ fileName: 'ecritures-2026-11-23.csv', contentType: 'text/csv' })]);
    expect(t.ctx.logs.some((l) => l.includes('job finished') && l.includes('export-essai'))).toBe(true);

    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/taches')).text);
    const link = page(`a[href="/admin/taches/${run.id}/fichiers/0"]`);
    expect(link.first().text()).toBe('ecritures-2026-11-23.csv');
    const file = await download(admin, `/admin/taches/${run.id}/fichiers/0`);
    expect(file.status).toBe(200);
    expect(file.body.toString('utf8')).toBe('journal;numero\nOD;1\n');
    expect(file.headers['content-disposition']).toContain('ecritures-2026-11-23.csv');
    expect((await admin.get(`/admin/taches/${run.id}/fichiers/1`)).status).toBe(404);
    expect((await admin.get('/admin/taches/pas-un-id/fichiers/0')).status).toBe(404);
    for (const key of ['operator', 'accountant', 'auditor', 'adminA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get(`/admin/taches/${run.id}/fichiers/0`)).status }).toEqual({ key, status: 403 });
    }
  });

  it('happens once per period: a second start (another replica, a second click) does nothing and is counted; the next period runs', async () => {
    const effects: string[] = [];
    const job = countingJob('compte-essai', effects);
    expect(await t.ctx.services.jobs.run(job, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded' });
    t.ctx.clock.advanceMinutes(1);
    expect(await t.ctx.services.jobs.run(job, t.ctx.services, { userId: t.world.users.admin.id, label: 'Camille Admin' })).toEqual({
      status: 'skipped',
      reason: 'déjà exécutée pour cette période',
    });
    expect(effects).toEqual(['2026-11-23']);
    expect(await runOf('compte-essai', '2026-11-23')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      skipped_count: 1,
      last_skipped_by: 'Camille Admin',
      started_by: 'Planificateur',
    });

    t.ctx.clock.advanceMinutes(24 * 60);
    expect(await t.ctx.services.jobs.run(job, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded' });
    expect(effects).toEqual(['2026-11-23', '2026-11-24']);
  });

  it('left running by another process is not started again, unless it has been running for more than two hours', async () => {
    const effects: string[] = [];
    const job = countingJob('longue-essai', effects);
    await t.ctx.knex('job_runs').insert({
      job: 'longue-essai',
      period_key: '2026-11-23',
      status: 'running',
      started_by: 'Planificateur',
      started_at: new Date(TEST_NOW.getTime() - 119 * 60_000),
    });
    expect(await t.ctx.services.jobs.run(job, t.ctx.services, SCHEDULER)).toEqual({ status: 'skipped', reason: 'en cours dans un autre processus' });
    expect(effects).toEqual([]);
    // two hours and a minute: the process that held it is taken for dead
    t.ctx.clock.advanceMinutes(2);
    expect(await t.ctx.services.jobs.run(job, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded' });
    expect(effects).toEqual(['2026-11-23']);
    expect(await runOf('longue-essai', '2026-11-23')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('that fails is recorded with its error (cut to 2,000 characters) and logged; the next start retries it; a failing notice hook is only logged', async () => {
    const effects: string[] = [];
    const long = `connexion refusée par le serveur ${'x'.repeat(2100)}`;
    const failing = countingJob('panne-essai', effects, { fail: long });
    // the same runner as the app's, with a failure hook that fails itself
    const { services } = t.ctx;
    const runner = new JobRunner({
      db: services.knex,
      runs: new JobRunRepository(),
      clock: services.clock,
      logger: services.logger,
      blobs: services.blobs,
      audit: services.audit,
      onFailure: [
        async (job) => {
          if (job === 'panne-essai') throw new Error('relais de courriel hors service');
        },
      ],
    });
    expect(await runner.run(failing, t.ctx.services, SCHEDULER)).toEqual({ status: 'failed', error: long });
    const run = await runOf('panne-essai', '2026-11-23');
    expect(run).toMatchObject({ status: 'failed', attempts: 1, counts: null });
    expect(run.error).toHaveLength(2000);
    expect(run.error.startsWith('connexion refusée par le serveur')).toBe(true);
    expect(run.finished_at).not.toBeNull();
    expect(t.ctx.logs.some((l) => l.includes('"job failed"') && l.includes('panne-essai'))).toBe(true);
    expect(t.ctx.logs.some((l) => l.includes('job failure hook failed') && l.includes('relais de courriel hors service'))).toBe(true);

    t.ctx.clock.advanceMinutes(10);
    const fixed = countingJob('panne-essai', effects);
    expect(await t.ctx.services.jobs.run(fixed, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded' });
    expect(await runOf('panne-essai', '2026-11-23')).toMatchObject({ status: 'succeeded', attempts: 2, error: null, counts: { lines: 3, skipped: 1 } });
    expect(effects).toEqual(['2026-11-23']);
  });
});

describe('a job that runs every day', () => {
  it('does not repeat its effect: a request awaiting information is reminded once, however many days the reminders run', async () => {
    await insertAidTypes(t.ctx.knex);
    const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    const household = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: household,
      aidTypeId: aq,
      createdBy: t.world.users.instructorA.id,
      status: 'awaiting_information',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ information_requested_at: new Date(TEST_NOW.getTime() - 8 * 86_400_000) });
    const reminded = () => t.ctx.knex('request_events').where({ request_id: id, kind: 'reminder' });

    t.ctx.clock.set(new Date('2026-11-23T07:00:00Z'));
    expect(await t.ctx.services.jobs.run(informationReminders, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded', counts: { reminded: 1 } });
    // the same morning again: the period already ran
    expect(await t.ctx.services.jobs.run(informationReminders, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'skipped' });
    // the next mornings: the request was already reminded
    for (const day of ['2026-11-24', '2026-11-25']) {
      t.ctx.clock.set(new Date(`${day}T07:00:00Z`));
      expect(await t.ctx.services.jobs.run(informationReminders, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded', counts: { reminded: 0 } });
    }
    expect(await reminded()).toHaveLength(1);
    expect(await t.ctx.knex('mail_outbox').where({ kind: 'request.information_reminder' })).toHaveLength(1);
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.information_reminded' })).toHaveLength(1);
    // its period is the Paris day: at 23:30 UTC on 31 December it is already the next year's first day
    expect(informationReminders.periodKey(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
  });
});

describe('the jobs page', () => {
  it('lists every job of the registry for the association’s administrators, reads it to the auditor (issue 16), and is refused to every other role', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/taches')).text);
    expect(
      page('tr[id^="tache-"]')
        .map((_i, tr) => page(tr).attr('id'))
        .get(),
    ).toEqual(JOBS.map((j) => `tache-${j.name}`));
    // the failed-then-succeeded run shows its second attempt
    expect(page('main').text()).toContain('par Planificateur, essai 2');
    for (const key of ['operator', 'social_adviser', 'accountant', 'adminA', 'instructorA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get('/admin/taches')).status }).toEqual({ key, status: 403 });
    }
    // the auditor reads it, without its buttons (test/jobs/page-auditor.test.ts)
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    expect((await auditor.get('/admin/taches')).status).toBe(200);
  });

  it('refuses to run again a run that did not fail, and says so', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const run = await runOf('information-reminders', '2026-11-23');
    const res = await postForm(admin, `/admin/taches/${run.id}/relancer`, {}, '/admin/taches');
    expect(res.status).toBe(302);
    expect($((await admin.get('/admin/taches')).text)('.alert').text()).toContain('Seule une exécution en échec peut être relancée.');
    expect(await runOf('information-reminders', '2026-11-23')).toMatchObject({ attempts: 1, status: 'succeeded' });
    expect(await t.ctx.knex('audit_events').where({ action: 'job.rerun' })).toHaveLength(0);
    expect((await postForm(admin, '/admin/taches/00000000-0000-0000-0000-000000000000/relancer', {}, '/admin/taches')).status).toBe(404);
  });
});
