import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold } from '../factories/household';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { startTestApp, type TestContext } from '../support/app';
import { $, download, loginAs } from '../support/http';

/** The payments pages as the accountant and the operator use them: references, the batch's order of work, confirmations first. */
let ctx: TestContext;
let world: World;
let setup: { aqId: string; householdId: string };

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
  setup = await paymentSetup(ctx.services, ctx.knex, world);
});
afterAll(() => ctx.close());

const grant = async (amountCents: number, instalments: number, firstDueDate: string) =>
  grantedRequest(ctx.services, ctx.knex, world, {
    aqId: setup.aqId,
    householdId: (await insertHousehold(ctx.knex, world.landlordA.id)).id,
    amountCents,
    instalments,
    firstDueDate,
  });
const referenceOf = async (id: string) => (await ctx.knex('aid_requests').where({ id }).first()).reference as string;
const nameOf = async (userId: string) => (await actorOf(ctx.knex, userId)).name;

describe('the payments pages', () => {
  it('show the accountant a request’s reference without a link to a page it may not open, and keep the link for the operator', async () => {
    const requestId = await grant(60000, 2, '2026-12-05');
    const reference = await referenceOf(requestId);
    const accountant = await loginAs(ctx.app, world.users.accountant.email);
    const asAccountant = $((await accountant.get('/paiements')).text);
    expect(asAccountant('#a-venir').closest('section').text()).toContain(reference);
    expect(asAccountant('main a[href^="/demandes/"]')).toHaveLength(0);
    expect((await accountant.get(`/demandes/${requestId}`)).status).toBe(403);
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const asOperator = $((await operator.get('/paiements')).text);
    expect(asOperator(`main a[href="/demandes/${requestId}"]`).first().text()).toBe(reference);
  });

  it('give the accountant the bank file first, then who downloaded it and when, then "Marquer transmis"', async () => {
    await grant(45000, 1, '2026-11-23');
    await ctx.services.jobs.run(sepaBatches, ctx.services, 'Planificateur', '2026-11-23');
    const batch = await ctx.knex('payment_batches').where({ execution_date: '2026-11-24' }).first();
    await ctx.services.batches.approve(await actorOf(ctx.knex, world.users.accountant.id), batch.id, batch.version);
    const accountant = await loginAs(ctx.app, world.users.accountant.email);
    const before = $((await accountant.get(`/paiements/lots/${batch.id}`)).text);
    const steps = before('#transmission > ol > li');
    expect(steps.map((_, li) => before(li).text().replace(/\s+/g, ' ').trim().slice(0, 30)).get()).toEqual([
      expect.stringMatching(/^Télécharger le fichier pour la/),
      expect.stringMatching(/^Téléchargements : aucun/),
      expect.stringMatching(/^Marquer transmis/),
    ]);
    // the items' references are not links for the accountant either
    expect(before('main table a[href^="/demandes/"]')).toHaveLength(0);

    expect((await download(accountant, `/paiements/lots/${batch.id}/fichier.xml`)).status).toBe(200);
    ctx.clock.advanceMinutes(10);
    expect((await download(accountant, `/paiements/lots/${batch.id}/fichier.xml`)).status).toBe(200);
    const after = $((await accountant.get(`/paiements/lots/${batch.id}`)).text);
    const downloads = after('#telechargements li')
      .map((_, li) => after(li).text().trim())
      .get();
    expect(downloads).toEqual([
      `le 23/11/2026 à 10:10 par ${await nameOf(world.users.accountant.id)}`,
      `le 23/11/2026 à 10:00 par ${await nameOf(world.users.accountant.id)}`,
    ]);
  });

  it('ask before cancelling a batch, saying what will happen, with a way back', async () => {
    await grant(30000, 1, '2026-12-01');
    await ctx.services.jobs.run(sepaBatches, ctx.services, 'Planificateur', '2026-11-30');
    const batch = await ctx.knex('payment_batches').where({ execution_date: '2026-12-01' }).first();
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const page = $((await operator.get(`/paiements/lots/${batch.id}`)).text);
    expect(page(`main form[action="/paiements/lots/${batch.id}/annuler"]`)).toHaveLength(0);
    expect(page(`main a[href="/paiements/lots/${batch.id}/annuler"]`).text()).toContain('Annuler ce lot');

    const res = await operator.get(`/paiements/lots/${batch.id}/annuler`);
    expect(res.status).toBe(200);
    const confirm = $(res.text);
    expect(confirm('h1').text()).toBe(`Annuler le lot ${batch.msg_id}`);
    expect(confirm('#consequences').text().replace(/\s+/g, ' ')).toContain(
      'Son virement (300,00 €) revient dans les échéances à venir et partira avec le prochain lot',
    );
    const form = confirm(`form[action="/paiements/lots/${batch.id}/annuler"]`);
    expect(form.attr('method')).toBe('post');
    expect(form.find('input[name="confirmation"]').val()).toBe('oui');
    expect(form.find('input[name="version"]').val()).toBe(String(batch.version));
    expect(form.find('#reason').length).toBe(1);
    expect(
      form
        .find('a')
        .filter((_, a) => confirm(a).text() === 'Annuler')
        .attr('href'),
    ).toBe(`/paiements/lots/${batch.id}`);
    expect((await ctx.knex('payment_batches').where({ id: batch.id }).first()).status).toBe('generated');
    // the accountant may cancel too; a batch already sent to the bank has no confirmation page
    expect((await (await loginAs(ctx.app, world.users.accountant.email)).get(`/paiements/lots/${batch.id}/annuler`)).status).toBe(200);
  });

  it('ask before cancelling a request’s remaining instalments, listing them, with a way back', async () => {
    const requestId = await grant(90000, 3, '2026-12-10');
    const reference = await referenceOf(requestId);
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const requestPage = $((await operator.get(`/demandes/${requestId}`)).text);
    expect(requestPage(`form[action="/demandes/${requestId}/annuler-echeances"]`)).toHaveLength(0);
    expect(requestPage(`a[href="/demandes/${requestId}/annuler-echeances"]`).text()).toContain('Annuler les échéances restantes');

    const res = await operator.get(`/demandes/${requestId}/annuler-echeances`);
    expect(res.status).toBe(200);
    const confirm = $(res.text);
    expect(confirm('h1').text()).toContain(reference);
    expect(confirm('#consequences').text().replace(/\s+/g, ' ')).toContain('Les 3 échéances programmées ci-dessous (900,00 €) sont annulées');
    expect(confirm('main table tbody tr')).toHaveLength(3);
    const form = confirm(`form[action="/demandes/${requestId}/annuler-echeances"]`);
    expect(form.find('input[name="confirmation"]').val()).toBe('oui');
    expect(form.find('button[type="submit"]').text()).toBe('Annuler ces 3 échéances');
    expect(
      form
        .find('a')
        .filter((_, a) => confirm(a).text() === 'Annuler')
        .attr('href'),
    ).toBe(`/demandes/${requestId}`);
    expect((await ctx.knex('payments').where({ request_id: requestId, status: 'scheduled' })).length).toBe(3);
    // the accountant cannot cancel instalments
    expect((await (await loginAs(ctx.app, world.users.accountant.email)).get(`/demandes/${requestId}/annuler-echeances`)).status).toBe(403);
  });
});
