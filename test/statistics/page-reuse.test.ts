import { paymentSetup } from '../factories/payment';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { insertUser } from '../factories/user';
import { parisDateTime } from '../../src/shared/dates';
import { TEST_NOW } from '../support/app';
import { $, type Agent, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The statistics page's figures rendered once per view (issue 16, p95 at 20 users): two people of the
 * same reach asking for the same view get the same figures' HTML, rendered once, each with their own
 * page around it (name, CSRF token); after the next refresh the page shows the new figures.
 */
const t = useWorld();
let aidTypeId: string;
let first: Agent;
let second: Agent;

const NOV = '/statistiques?du=2026-11&au=2026-11&comparer=non';

async function filed(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const household = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { postcode: '69003' });
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: household.id,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
      status: 'submitted',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ submitted_at: parisDateTime('2026-11-10', '10:00') });
  }
}

/** The parts of the page rendered once per view: the filters and the figures, as sent. */
const shared = (html: string) => {
  const filters = /<p class="text-body-secondary">[\s\S]*?<\/form>/.exec(html)?.[0];
  const figures = /<section aria-labelledby="demandes-titre">[\s\S]*<\/section>/.exec(html)?.[0];
  expect(filters).toBeDefined();
  expect(figures).toBeDefined();
  return { filters, figures };
};
const fragmentRenders = (spy: jest.SpyInstance) => spy.mock.calls.filter(([name]) => String(name).startsWith('statistics/_')).length;

beforeAll(async () => {
  aidTypeId = (await paymentSetup(t.ctx.services, t.ctx.knex, t.world)).aqId;
  await filed(6);
  await t.ctx.services.statisticsRefresher.refresh('all');
  const other = await insertUser(t.ctx.knex, {
    organisationId: t.world.association.id,
    role: 'admin',
    email: 'admin2@asso.test',
    firstName: 'Dominique',
    lastName: 'Deuxièmeadmin',
  });
  first = await loginAs(t.ctx.app, t.world.users.admin.email);
  second = await loginAs(t.ctx.app, other.email);
});
afterAll(() => t.ctx.clock.set(TEST_NOW));
afterEach(() => jest.restoreAllMocks());

describe('the statistics page rendered once per view', () => {
  it('gives two administrators the same figures, rendered once, each in their own page', async () => {
    const render = jest.spyOn(t.ctx.app, 'render');
    const a = await first.get(NOV);
    const b = await second.get(NOV);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // the view's part: byte for byte the same, rendered (filters + figures) for the first request only
    expect(shared(b.text)).toEqual(shared(a.text));
    expect(fragmentRenders(render)).toBe(2);
    expect($(a.text)('[data-indicateur="received"] td').first().text().trim()).toBe('6');
    // the person's part: their own name and CSRF token
    expect($(a.text)('.user-box').text()).not.toContain('Deuxièmeadmin');
    expect($(b.text)('.user-box').text()).toContain('Dominique Deuxièmeadmin');
    const token = (html: string) => $(html)('meta[name="csrf-token"]').attr('content');
    expect(token(a.text)).toBeTruthy();
    expect(token(b.text)).not.toBe(token(a.text));
    // escaped once, by the fragment's rendering: no HTML-escaped markup in the page
    expect(a.text).not.toContain('&lt;table');
    expect(a.text).not.toMatch(/&amp;(amp|lt|gt|quot);/);
    expect(a.text).toContain('affiché « &lt; 5 »');
    expect($(a.text)('#par-mois tbody tr').length).toBe(1);
  });

  it('renders the figures again after the next refresh, and not for another view before it', async () => {
    const render = jest.spyOn(t.ctx.app, 'render');
    const before = shared((await first.get(NOV)).text);
    expect(fragmentRenders(render)).toBe(0);
    await filed(1);
    // filed since the last refresh: not shown yet
    expect(shared((await second.get(NOV)).text)).toEqual(before);
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 10 * 60_000));
    await t.ctx.services.statisticsRefresher.refresh('recent');
    const a = await first.get(NOV);
    const b = await second.get(NOV);
    expect(shared(a.text)).not.toEqual(before);
    expect(shared(b.text)).toEqual(shared(a.text));
    expect(fragmentRenders(render)).toBe(2);
    expect($(a.text)('[data-indicateur="received"] td').first().text().trim()).toBe('7');
    const landlordA = $(b.text)('#par-bailleur tbody tr').filter((_, tr) => $(b.text)(tr).find('th').text().trim() === t.world.landlordA.name);
    expect(landlordA.find('td a[href^="/demandes?"]').text()).toMatch(/^7/);
  });
});
