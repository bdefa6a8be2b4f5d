import type { JobDefinition } from '../../src/jobs/runner';
import type { Services } from '../../src/services';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';

/** A failed batch job is mailed to the association's administrators — once a day per job, not at every run. */
const t = useWorld();
const SCHEDULER = { userId: null, label: 'Planificateur' };
const failing: JobDefinition<Services> = {
  name: 'export-test',
  label: 'Export de test',
  description: 'Une tâche dont le dossier de sortie manque',
  schedule: '*/5 * * * *',
  periodKey: (now) => now.toISOString().slice(0, 16),
  run: async () => {
    throw new Error('dossier de sortie introuvable : /srv/exports');
  },
};
const failureMails = () => t.ctx.knex('mail_outbox').where({ kind: 'job.failed' }).orderBy('created_at');

describe('failed jobs', () => {
  it('mail the association’s administrators what failed and where to run it again, once a day per job', async () => {
    t.ctx.clock.set(TEST_NOW);
    expect(await t.ctx.services.jobs.run(failing, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'failed' });
    const [mail, ...others] = await failureMails();
    expect(others).toHaveLength(0);
    expect(mail).toMatchObject({ to_address: t.world.users.admin.email, subject: 'Entraide : la tâche export-test a échoué' });
    expect(mail.text_body).toContain('dossier de sortie introuvable : /srv/exports');
    expect(mail.text_body).toContain('http://entraide.test/admin/taches');

    // five minutes later, the next run fails too: no second mail
    t.ctx.clock.advanceMinutes(5);
    expect(await t.ctx.services.jobs.run(failing, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'failed' });
    expect(await failureMails()).toHaveLength(1);
    // the next day it is still failing: the administrators hear of it again
    t.ctx.clock.advanceMinutes(24 * 60);
    await t.ctx.services.jobs.run(failing, t.ctx.services, SCHEDULER);
    expect(await failureMails()).toHaveLength(2);
  });
});
