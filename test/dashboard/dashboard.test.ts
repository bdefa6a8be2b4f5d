import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { insertUser } from '../factories/user';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The dashboard: every status of the lifecycle that has requests has its card (requests in
 * payment and paid were missing beside "granted"), and the auditor reads it without personal data.
 */
const t = useWorld();
let instructorName: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  const aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const instructor = await insertUser(t.ctx.knex, { organisationId: t.world.association.id, role: 'operator', firstName: 'Firmin', lastName: 'Zéphyrin' });
  instructorName = 'Zéphyrin';
  const holder = await insertPerson(t.ctx.knex, { lastName: 'Kouyaté', firstNames: 'Aminata' });
  const h = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: holder, relationship: 'holder' }] })).id;
  const add = async (status: string, n = 1) => {
    for (let i = 0; i < n; i++) {
      await insertRequest(t.ctx.knex, {
        organisationId: t.world.landlordA.id,
        householdId: h,
        aidTypeId: aqId,
        createdBy: t.world.users.instructorA.id,
        status: status as never,
        assignedTo: instructor.id,
        tenantName: 'Aminata Kouyaté',
      });
    }
  };
  await add('submitted');
  await add('in_review');
  await add('granted', 2);
  await add('in_payment', 2);
  await add('paid');
  await add('closed');
  await add('draft');
});

/** The status cards of the dashboard, as { label: count }. */
async function cards(email: string): Promise<Record<string, string>> {
  const agent = await loginAs(t.ctx.app, email);
  const res = await agent.get('/tableau-de-bord');
  expect(res.status).toBe(200);
  const page = $(res.text);
  return Object.fromEntries(
    page('[data-status-card]')
      .map((_, c) => [[page(c).find('.status-label').text().trim(), page(c).find('.status-count').text().trim()]])
      .get(),
  );
}

describe('dashboard', () => {
  it('shows the requests in payment, paid and closed beside the granted ones', async () => {
    const c = await cards(t.world.users.operator.email);
    expect(c).toMatchObject({ Accordée: '2', 'En paiement': '2', Payée: '1', Clôturée: '1', Déposée: '1', 'En instruction': '1' });
    // a status without any request and outside the main ones stays out; drafts are never counted
    expect(Object.keys(c)).not.toContain('Retirée');
    expect(Object.keys(c)).not.toContain('Brouillon');
    // in the lifecycle's order: a grant's path to payment side by side
    expect(Object.keys(c).slice(3, 7)).toEqual(['Accordée', 'En paiement', 'Payée', 'Clôturée']);
  });

  it('lets the auditor read the counts and amounts, with no one’s name, no address and no link to a request', async () => {
    t.ctx.clock.set(new Date('2027-01-20T09:00:00Z')); // the open requests are late: the list of late requests is not empty
    const agent = await loginAs(t.ctx.app, t.world.users.auditor.email);
    const res = await agent.get('/tableau-de-bord');
    expect(res.status).toBe(200);
    const page = $(res.text);
    const main = page('main').text();
    expect(main).toContain('En paiement');
    expect(main).not.toContain(instructorName);
    expect(main).not.toContain('Kouyaté');
    expect(main).not.toMatch(/\d+,? (rue|avenue|boulevard|allée|place|chemin|impasse) /i);
    expect(page('main a[href^="/demandes"]').length).toBe(0);
    expect(main).toMatch(/2099-\d{5} — Bailleur Alpha, Déposée depuis le/);
    // the navigation offers it the dashboard
    expect(page('nav a[href="/tableau-de-bord"]').length).toBe(1);
  });

  it('still shows the operator who follows a late request, linked to it', async () => {
    t.ctx.clock.set(new Date('2027-01-20T09:00:00Z'));
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const page = $((await agent.get('/tableau-de-bord')).text);
    expect(page('main').text()).toContain(instructorName);
    expect(page('main a[href^="/demandes/"]').length).toBeGreaterThan(0);
  });
});
