import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { paymentSetup } from '../factories/payment';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The jobs page for the auditor (issue 16: « the auditor reads … the jobs page »): when each job
 * runs, its runs and their counts, the names of the files they made — no file to download (a SEPA
 * file holds IBANs), no « Lancer maintenant », no « Relancer ».
 */
const t = useWorld();

beforeAll(async () => {
  await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-11-23');
});

describe('the jobs page', () => {
  it('shows the auditor the jobs and their runs, without buttons nor file links', async () => {
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    const res = await auditor.get('/admin/taches');
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('#tache-sepa-batches').text()).toContain('Lots de virements SEPA');
    expect(page('form[action^="/admin/taches/"]').length).toBe(0);
    expect(page('a[href*="/fichiers/"]').length).toBe(0);
    expect(res.text).toContain('sepa-batches');
  });

  it('shows the administrator the same page with its buttons', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/taches')).text);
    expect(page('form[action="/admin/taches/sepa-batches/lancer"]').length).toBe(1);
  });
});
