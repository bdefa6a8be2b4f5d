import { insertAidTypes } from '../../seeds/demo';
import { actorOf } from '../factories/payment';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import ExcelJS from 'exceljs';
import { $, csrfToken, download, fieldError, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The decision form tells the operator which fund pays the aid and what it has left (and would
 * have after the amount asked or typed); a grant above what remains comes back with the message
 * next to the amount and every typed value kept; only an administrator sees the override field,
 * and a proposal with an override shows its reason to the validator.
 */
const t = useWorld();
let requestId: string;
let fundId: string;
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  fundId = await t.ctx.services.funds.create(await actorOf(t.ctx.knex, t.world.users.admin.id), {
    name: 'Fonds Énergie test',
    analyticCode: 'FE26',
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
    aidTypeCodes: ['AE'],
    notes: null,
    contributions: [{ kind: 'fixed', funderName: 'Action Logement', amountCents: 30_000 }],
    allocations: [],
  });
  requestId = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
    aidTypeId: (await t.ctx.knex('aid_types').where({ code: 'AE' }).first('id')).id,
    createdBy: t.world.users.instructorA.id,
    status: 'in_review',
    requestedCents: 25_000,
    assignedTo: t.world.users.operator.id,
  });
});

const page = (agent: Awaited<ReturnType<typeof loginAs>>) => agent.get(`/demandes/${requestId}?decision=grant`);
const version = async () => String((await t.ctx.knex('aid_requests').where({ id: requestId }).first()).version);

describe('the fund on the decision form', () => {
  it('shows the fund, what it has left and what would be left after the amount asked; no override field for an operator', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await page(operator);
    expect(res.status).toBe(200);
    const budget = plain($(res.text)('#budget').text());
    expect(budget).toContain('« Fonds Énergie test » : reste 300,00 € sur 300,00 €, 0 % engagés ; après cet accord il resterait 50,00 €.');
    expect($(res.text)('[name="budgetOverride"]')).toHaveLength(0);
  });

  it('above what remains: 400, the message beside the amount, every typed value kept, nothing granted', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const token = await csrfToken(operator, `/demandes/${requestId}?decision=grant`);
    const res = await operator
      .post(`/demandes/${requestId}/proposer`)
      .type('form')
      .send({
        _csrf: token,
        kind: 'grant',
        amount: '450',
        instalments: '1',
        firstDueDate: '10/12/2026',
        comment: 'Facture de régularisation',
        version: await version(),
      });
    expect(res.status).toBe(400);
    expect(plain(fieldError(res.text, 'amount'))).toContain(
      '450,00 € dépasse ce qui reste : le fonds « Fonds Énergie test » n’a plus que 300,00 € sur 300,00 €',
    );
    const $page = $(res.text);
    expect($page('[name="amount"]').val()).toBe('450');
    expect($page('[name="firstDueDate"]').val()).toBe('10/12/2026');
    expect($page('[name="comment"]').text()).toBe('Facture de régularisation');
    expect(plain($page('#budget').text())).toContain('après cet accord il resterait -150,00 €');
    expect((await t.ctx.knex('aid_requests').where({ id: requestId }).first()).status).toBe('in_review');
  });

  it('an administrator overrides with a reason: the proposal waits for a second person, who sees the fund and the reason', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const first = await page(admin);
    expect($(first.text)('[name="budgetOverride"]')).toHaveLength(1);
    const token = await csrfToken(admin, `/demandes/${requestId}?decision=grant`);
    const res = await admin
      .post(`/demandes/${requestId}/proposer`)
      .type('form')
      .send({
        _csrf: token,
        kind: 'grant',
        amount: '450',
        instalments: '1',
        firstDueDate: '10/12/2026',
        budgetOverride: 'Coupure imminente',
        version: await version(),
      });
    expect(res.status).toBe(302);
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const shown = plain($((await operator.get(`/demandes/${requestId}`)).text)('[role="status"]').text());
    expect(shown).toContain('Fonds : « Fonds Énergie test », reste 300,00 € ; après cet accord -150,00 €.');
    expect(shown).toContain('Au-delà de ce qui reste dans le fonds, motif de l’administrateur : « Coupure imminente »');
    expect(await t.ctx.knex('fund_movements').where({ fund_id: fundId })).toHaveLength(0);
  });

  it('validated, the override shows on the fund page with its reason for the association; the auditor sees « Oui », no names, no reason, page or workbook', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const token = await csrfToken(operator, `/demandes/${requestId}`);
    expect(
      (
        await operator
          .post(`/demandes/${requestId}/valider`)
          .type('form')
          .send({ _csrf: token, outcome: 'approve', version: await version() })
      ).status,
    ).toBe(302);
    expect(plain($((await operator.get(`/fonds/${fundId}`)).text)('#mouvements').text())).toContain('Coupure imminente');
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    const table = $((await auditor.get(`/fonds/${fundId}`)).text)('#mouvements');
    expect(table.find('thead').text()).toContain('Dépassement autorisé');
    expect(table.find('thead').text()).not.toMatch(/\bPar\b/);
    expect(plain(table.text())).not.toContain('Coupure');
    expect(table.find('tbody td').last().text().trim()).toBe('Oui');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(auditor, `/fonds/${fundId}/mouvements`)).body as never);
    const cells = JSON.stringify(workbook.worksheets[0]?.getSheetValues());
    expect(cells).toContain('Oui');
    expect(cells).not.toContain('Coupure');
    const by = (await t.ctx.knex('fund_movements').where({ fund_id: fundId }).first('by_label')).by_label as string;
    expect(by.length).toBeGreaterThan(3);
    expect(cells).not.toContain(by);
  });
});
