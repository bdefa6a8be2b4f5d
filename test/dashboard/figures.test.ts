import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, type Agent, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The dashboard's figures from known requests: the status cards, the open requests by age (each
 * bucket's boundary), the requests waiting past the alert delay, the amounts granted this month and
 * this year by aid and by landlord (Paris calendar, with the injected clock on a Monday morning, a
 * Sunday night, the first minutes of a month, 31 December 23:50 and the day clocks go back), the
 * average time to a decision; and who may read it.
 */
const t = useWorld();
const DAY = 86_400_000;
const ago = (days: number, minutes = 0) => new Date(TEST_NOW.getTime() - days * DAY - minutes * 60_000);
const at = (iso: string) => new Date(iso);
let aid: Record<'AQ' | 'AE' | 'AD', string>;
let households: { A: string; B: string };
/** logged in anew after the clock moved (an idle session would have expired) */
const asOperator = () => loginAs(t.ctx.app, t.world.users.operator.email);

async function request(o: {
  status: string;
  aid?: 'AQ' | 'AE' | 'AD';
  landlord?: 'A' | 'B';
  submittedAt: Date;
  decidedAt?: Date;
  grantedEuros?: number;
}): Promise<string> {
  const landlord = o.landlord ?? 'A';
  const id = await insertRequest(t.ctx.knex, {
    organisationId: landlord === 'A' ? t.world.landlordA.id : t.world.landlordB.id,
    householdId: households[landlord],
    aidTypeId: aid[o.aid ?? 'AQ'],
    createdBy: landlord === 'A' ? t.world.users.instructorA.id : t.world.users.instructorB.id,
    status: o.status as never,
  });
  await t.ctx
    .knex('aid_requests')
    .where({ id })
    .update({
      submitted_at: o.status === 'draft' ? null : o.submittedAt,
      decided_at: o.decidedAt ?? null,
      granted_cents: o.grantedEuros === undefined ? null : o.grantedEuros * 100,
    });
  return id;
}
const referenceOf = async (id: string) => (await t.ctx.knex('aid_requests').where({ id }).first('reference')).reference as string;

interface Figures {
  cards: Record<string, string>;
  ages: Record<string, number[]>;
  waitingHeading: string;
  waiting: string[];
  processing: string;
  charts: Record<'monthType' | 'monthLandlord' | 'yearType' | 'yearLandlord', string[] | string>;
}

/** The dashboard as a reader sees it, every figure read from the page. */
async function figures(agent: Agent): Promise<Figures> {
  const res = await agent.get('/tableau-de-bord');
  expect(res.status).toBe(200);
  const page = $(res.text);
  const text = (el: Parameters<typeof page>[0]) => page(el).text().replace(/\s+/g, ' ').trim();
  const chart = (id: string): string[] | string => {
    const figure = page(`figure[aria-labelledby="${id}"]`);
    const rows = figure
      .find('table tr')
      .slice(1)
      .map((_i, tr) =>
        page(tr)
          .find('td')
          .map((_j, td) => text(td))
          .get()
          .join(' | '),
      )
      .get();
    return rows.length ? rows : text(figure.find('p'));
  };
  const waitingHeading = page('h2')
    .filter((_i, h) => page(h).text().startsWith('En attente depuis'))
    .first();
  return {
    cards: Object.fromEntries(
      page('[data-status-card]')
        .map((_i, c) => [[text(page(c).find('.status-label')), text(page(c).find('.status-count'))]])
        .get(),
    ),
    ages: Object.fromEntries(
      page('table.table-sm tbody tr')
        .map((_i, tr) => [
          [
            text(page(tr).find('th')),
            page(tr)
              .find('td')
              .map((_j, td) => Number(text(td)))
              .get(),
          ],
        ])
        .get(),
    ),
    waitingHeading: text(waitingHeading),
    waiting: waitingHeading
      .next('ul')
      .find('li')
      .map((_i, li) => text(li))
      .get(),
    processing: text(page('p').filter((_i, p) => page(p).text().startsWith('Délai moyen'))),
    charts: {
      monthType: chart('chart-month-type'),
      monthLandlord: chart('chart-month-landlord'),
      yearType: chart('chart-year-type'),
      yearLandlord: chart('chart-year-landlord'),
    },
  };
}

const NONE = 'Aucune aide accordée sur la période.';
const ids = {} as Record<'s1' | 's2' | 'r1' | 'r2' | 'w1' | 'w2' | 'g1' | 'g2' | 'g3' | 'g4' | 'refused' | 'g5' | 'g6' | 'g7', string>;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  const codes = await t.ctx.knex('aid_types').whereIn('code', ['AQ', 'AE', 'AD']).select('code', 'id');
  aid = Object.fromEntries(codes.map((c: { code: string; id: string }) => [c.code, c.id])) as typeof aid;
  households = { A: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id, B: (await insertHousehold(t.ctx.knex, t.world.landlordB.id)).id };

  // open requests, by age at TEST_NOW (Monday 23/11/2026, 10:00 in Paris)
  ids.s1 = await request({ status: 'submitted', submittedAt: ago(3) });
  ids.s2 = await request({ status: 'submitted', landlord: 'B', submittedAt: ago(7) }); // exactly seven days: no longer "less than 7"
  ids.r1 = await request({ status: 'in_review', submittedAt: ago(6, 23 * 60 + 59) });
  ids.r2 = await request({ status: 'in_review', landlord: 'B', submittedAt: ago(20) });
  ids.w1 = await request({ status: 'awaiting_information', submittedAt: ago(40) });
  ids.w2 = await request({ status: 'awaiting_information', submittedAt: ago(15) }); // exactly the alert delay: not yet late
  await request({ status: 'draft', submittedAt: ago(90) });
  // decisions: amounts in euros, decided at Paris instants around the month and year boundaries
  ids.g1 = await request({
    status: 'granted',
    aid: 'AQ',
    landlord: 'A',
    submittedAt: at('2026-10-29T10:00:00Z'),
    decidedAt: at('2026-11-02T10:00:00Z'),
    grantedEuros: 300,
  });
  ids.g2 = await request({
    status: 'paid',
    aid: 'AE',
    landlord: 'B',
    submittedAt: at('2026-11-14T10:00:00Z'),
    decidedAt: at('2026-11-20T10:00:00Z'),
    grantedEuros: 150,
  });
  // 31/10 23:59 in Paris: last month
  ids.g3 = await request({
    status: 'in_payment',
    aid: 'AQ',
    landlord: 'B',
    submittedAt: at('2026-10-21T22:59:00Z'),
    decidedAt: at('2026-10-31T22:59:00Z'),
    grantedEuros: 200,
  });
  // 01/11 00:01 in Paris (still 31/10 in UTC): this month
  ids.g4 = await request({
    status: 'closed',
    aid: 'AQ',
    landlord: 'A',
    submittedAt: at('2026-10-29T23:01:00Z'),
    decidedAt: at('2026-10-31T23:01:00Z'),
    grantedEuros: 100,
  });
  ids.refused = await request({ status: 'refused', submittedAt: at('2026-11-01T10:00:00Z'), decidedAt: at('2026-11-10T10:00:00Z') });
  // 31/12/2025 23:59 in Paris: last year
  ids.g5 = await request({
    status: 'granted',
    aid: 'AQ',
    landlord: 'A',
    submittedAt: at('2025-12-26T22:59:00Z'),
    decidedAt: at('2025-12-31T22:59:00Z'),
    grantedEuros: 50,
  });
  // 01/01/2026 00:01 in Paris: this year
  ids.g6 = await request({
    status: 'granted',
    aid: 'AE',
    landlord: 'A',
    submittedAt: at('2025-12-24T23:01:00Z'),
    decidedAt: at('2025-12-31T23:01:00Z'),
    grantedEuros: 70,
  });
});

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('the dashboard’s figures on a Monday morning', () => {
  it('counts every submitted request by status, all landlords together, drafts never', async () => {
    const f = await figures(await asOperator());
    expect(f.cards).toEqual({
      Déposée: '2',
      'En instruction': '2',
      'En attente du bailleur': '2',
      Accordée: '3',
      'En paiement': '1',
      Payée: '1',
      Clôturée: '1',
      Refusée: '1',
      Ajournée: '0',
    });
  });

  it('puts each open request in its age bucket, a request exactly 7, 15 or 30 days old in the older one', async () => {
    expect((await figures(await asOperator())).ages).toEqual({
      // moins de 7 jours, 7 à 15, 15 à 30, plus de 30
      Déposée: [1, 1, 0, 0],
      'En instruction': [1, 0, 1, 0],
      'En attente du bailleur': [0, 0, 1, 1],
    });
  });

  it('lists the open requests waiting for longer than the alert delay, the oldest first, with who follows them', async () => {
    await t.ctx.knex('aid_requests').where({ id: ids.w1 }).update({ assigned_to: t.world.users.operator.id });
    const f = await figures(await asOperator());
    expect(f.waitingHeading).toBe('En attente depuis plus de 15 jours (2)');
    expect(f.waiting).toEqual([
      expect.stringMatching(
        new RegExp(`^${await referenceOf(ids.w1)} — Bailleur Alpha, En attente du bailleur depuis le 14/10/2026, suivie par Camille Durand\\d+$`),
      ),
      `${await referenceOf(ids.r2)} — Bailleur Bêta, En instruction depuis le 03/11/2026`,
    ]);
  });

  it('sums the amounts granted this month and this year by aid and by landlord (Paris calendar), the largest first, refusals out', async () => {
    const f = await figures(await asOperator());
    expect(f.charts).toEqual({
      monthType: ['Aide sur quittance | 400,00 € | 2', 'Aide énergie | 150,00 € | 1'],
      monthLandlord: ['Bailleur Alpha | 400,00 € | 2', 'Bailleur Bêta | 150,00 € | 1'],
      yearType: ['Aide sur quittance | 600,00 € | 3', 'Aide énergie | 220,00 € | 2'],
      yearLandlord: ['Bailleur Alpha | 470,00 € | 3', 'Bailleur Bêta | 350,00 € | 2'],
    });
  });

  it('averages the days from submission to decision over the decisions of the last twelve months, refusals included', async () => {
    // 4 + 6 + 10 + 2 + 9 (refused) + 5 + 7 = 43 days over 7 decisions
    expect((await figures(await asOperator())).processing).toBe('Délai moyen de décision sur 12 mois : 6,1 jours (7 décisions).');
    // a year later, none of them is within twelve months
    t.ctx.clock.set(at('2027-12-01T09:00:00Z'));
    expect((await figures(await asOperator())).processing).toBe('Délai moyen de décision sur 12 mois : — (0 décisions).');
  });
});

describe('the period boundaries with the clock elsewhere', () => {
  it('on Sunday night at 23:50 in Paris it is still November; at 00:10 on 1 December the month starts empty', async () => {
    t.ctx.clock.set(at('2026-11-29T22:50:00Z'));
    const sunday = await figures(await asOperator());
    expect(sunday.charts.monthType).toEqual(['Aide sur quittance | 400,00 € | 2', 'Aide énergie | 150,00 € | 1']);
    // the ages moved with the clock: the request of three days is now nine and a half days old
    expect(sunday.ages['Déposée']).toEqual([0, 2, 0, 0]);

    t.ctx.clock.set(at('2026-11-30T23:10:00Z'));
    const december = await figures(await asOperator());
    expect(december.charts.monthType).toBe(NONE);
    expect(december.charts.monthLandlord).toBe(NONE);
    expect(december.charts.yearType).toEqual(['Aide sur quittance | 600,00 € | 3', 'Aide énergie | 220,00 € | 2']);
  });

  it('on 31 December at 23:50 in Paris the year still holds it; ten minutes after midnight the year is new and empty', async () => {
    // decided on 31/12/2026 at 23:40 in Paris
    ids.g7 = await request({
      status: 'granted',
      aid: 'AD',
      landlord: 'B',
      submittedAt: at('2026-12-20T10:00:00Z'),
      decidedAt: at('2026-12-31T22:40:00Z'),
      grantedEuros: 500,
    });
    t.ctx.clock.set(at('2026-12-31T22:50:00Z'));
    const lastMinutes = await figures(await asOperator());
    expect(lastMinutes.charts.monthType).toEqual(['Aide à l’apurement de la dette locative | 500,00 € | 1']);
    expect(lastMinutes.charts.yearLandlord).toEqual(['Bailleur Bêta | 850,00 € | 3', 'Bailleur Alpha | 470,00 € | 3']);

    t.ctx.clock.set(at('2026-12-31T23:10:00Z'));
    const newYear = await figures(await asOperator());
    for (const chart of Object.values(newYear.charts)) expect(chart).toBe(NONE);
    // the twelve months' average slides with the clock: the two decisions of 31/12/2025 have left it, the last one of 2026 is in
    expect(newYear.processing).toMatch(/\(6 décisions\)\.$/);
  });

  it('on the day clocks go back (25/10/2026), both 02:30 of the night count in this month', async () => {
    const before = await request({
      status: 'granted',
      aid: 'AE',
      landlord: 'A',
      submittedAt: at('2026-10-20T10:00:00Z'),
      decidedAt: at('2026-10-25T00:30:00Z'),
      grantedEuros: 80,
    }); // 02:30 summer time
    const after = await request({
      status: 'granted',
      aid: 'AD',
      landlord: 'A',
      submittedAt: at('2026-10-20T10:00:00Z'),
      decidedAt: at('2026-10-25T01:30:00Z'),
      grantedEuros: 90,
    }); // 02:30 winter time
    t.ctx.clock.set(at('2026-10-25T10:00:00Z'));
    const f = await figures(await asOperator());
    expect(f.charts.monthType).toEqual(['Aide à l’apurement de la dette locative | 90,00 € | 1', 'Aide énergie | 80,00 € | 1']);
    expect(f.charts.monthLandlord).toEqual(['Bailleur Alpha | 170,00 € | 2']);
    expect(f.cards['Accordée']).toBe('6');
    await t.ctx.knex('aid_requests').whereIn('id', [before, after]).delete();
  });
});

describe('who reads the dashboard', () => {
  it('is the association’s administrators, operators and auditor; the landlords, the adviser and the accountant get 403 and no link', async () => {
    for (const key of ['admin', 'auditor'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, cards: (await figures(agent)).cards['Déposée'] }).toEqual({ key, cards: '2' });
    }
    for (const key of ['social_adviser', 'accountant', 'adminA', 'instructorA', 'adminB'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get('/tableau-de-bord')).status }).toEqual({ key, status: 403 });
      expect($((await agent.get('/mon-compte')).text)('nav a[href="/tableau-de-bord"]')).toHaveLength(0);
    }
  });
});
