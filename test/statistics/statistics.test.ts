import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { ForbiddenError } from '../../src/shared/errors';
import { parisDateTime } from '../../src/shared/dates';
import { quantile } from '../../src/statistics/figures';
import { monthsBetween } from '../../src/statistics/refresh';
import type { AidRow, StatisticsQuery, StatisticsView } from '../../src/statistics/service';
import { insertHousehold } from '../factories/household';
import { missionSetup, missionsMetOn } from '../factories/mission';
import { actorOf, grantedRequest, paymentSetup, proposeDecision } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';

/**
 * The statistics (issue 16, docs/statistiques.md): November 2026 built through the real services —
 * grants, a refusal, an adjournment, transfers sent, support missions — the aggregates refreshed by
 * their job's code, and every figure checked against counts taken here from the business tables;
 * secrecy under 5 households; each role's reach.
 */
const t = useWorld();

const paris = (day: string, time = '10:00') => parisDateTime(day, time) as Date;
const NOV: StatisticsQuery = { du: '2026-11', au: '2026-11', comparer: 'non' };
let aqId: string;

async function submitted(o: { landlord: 'A' | 'B'; postcode: string; at: Date; status?: 'submitted' | 'in_review'; members?: number }): Promise<string> {
  const landlord = o.landlord === 'A' ? t.world.landlordA : t.world.landlordB;
  const household = await insertHousehold(t.ctx.knex, landlord.id, { postcode: o.postcode });
  const id = await insertRequest(t.ctx.knex, {
    organisationId: landlord.id,
    householdId: household.id,
    aidTypeId: aqId,
    createdBy: o.landlord === 'A' ? t.world.users.instructorA.id : t.world.users.instructorB.id,
    status: o.status ?? 'submitted',
    assignedTo: t.world.users.operator.id,
  });
  await t.ctx.knex('aid_requests').where({ id }).update({ submitted_at: o.at });
  return id;
}

const propose = (requestId: string, input: Record<string, unknown>) => proposeDecision(t.ctx.services, t.ctx.knex, t.world, requestId, input);

const view = async (role: keyof typeof t.world.users, query: StatisticsQuery = NOV): Promise<StatisticsView> =>
  t.ctx.services.statistics.view(await actorOf(t.ctx.knex, t.world.users[role].id), query);
const row = (rows: AidRow[] | null | undefined, label: string): AidRow => {
  const found = (rows ?? []).find((r) => r.label === label);
  if (!found) throw new Error(`no row ${label} among ${(rows ?? []).map((r) => r.label).join(', ')}`);
  return found;
};
const headline = (v: StatisticsView, key: string) => v.aid?.headline.find((h) => h.key === key)?.value;

beforeAll(async () => {
  ({ aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world));
  // six households of landlord A in Lyon granted on 2 to 7 November, submitted on 1 or 2 November
  for (let i = 0; i < 6; i++) {
    t.ctx.clock.set(paris(`2026-11-0${i + 2}`, '15:00'));
    const id = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId,
      householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { postcode: '69003' })).id,
      amountCents: 30000 + i * 1000,
      instalments: 1,
      firstDueDate: '2026-11-26',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ submitted_at: paris(`2026-11-0${1 + (i % 2)}`, '09:00') });
  }
  // a refusal and an adjournment on 10 November of requests received on 9 November
  t.ctx.clock.set(paris('2026-11-10'));
  await propose(await submitted({ landlord: 'A', postcode: '69008', at: paris('2026-11-09'), status: 'in_review' }), {
    kind: 'refuse',
    reasonCode: 'not_eligible',
  });
  await propose(await submitted({ landlord: 'A', postcode: '69008', at: paris('2026-11-09'), status: 'in_review' }), {
    kind: 'adjourn',
    adjournedUntil: '2026-12-15',
  });
  // Paris month boundaries: 31 October 23:59 is October, 1 November 00:01 (31 October in UTC) is November
  await submitted({ landlord: 'A', postcode: '69003', at: paris('2026-10-31', '23:59') });
  await submitted({ landlord: 'A', postcode: '69003', at: paris('2026-11-01', '00:01') });
  // landlord B: two requests in November — a small landlord, secret
  await submitted({ landlord: 'B', postcode: '20090', at: paris('2026-11-12') });
  await submitted({ landlord: 'B', postcode: '97411', at: paris('2026-11-13') });
  // the transfers of the six grants, sent to the bank on 25 November
  t.ctx.clock.set(paris('2026-11-25', '08:00'));
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-11-25');
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);
  // five missions of landlord A accepted and met on 20 November (90 minutes each), one completed with its objective reached
  t.ctx.clock.set(paris('2026-11-20', '16:00'));
  const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  await missionsMetOn(t.ctx.services, t.ctx.knex, t.world, setup, { count: 5, postcode: '69007', heldOn: '2026-11-20' });
  t.ctx.clock.set(paris('2026-12-02', '09:00'));
  await t.ctx.services.statisticsRefresher.refresh('all');
});
afterAll(() => t.ctx.clock.set(TEST_NOW));

/** Counts taken here from the business tables, independently of the aggregates. */
async function counted(organisationId?: string) {
  const from = paris('2026-11-01', '00:00');
  const to = paris('2026-12-01', '00:00');
  const scoped = <T extends { where: (...a: never[]) => T }>(q: T): T =>
    organisationId ? (q.where as (c: string, v: string) => T)('r.organisation_id', organisationId) : q;
  const received = await scoped(t.ctx.knex('aid_requests as r').where('r.submitted_at', '>=', from).where('r.submitted_at', '<', to)).count<{ n: string }[]>(
    '* as n',
  );
  const decisions = await scoped(
    t.ctx
      .knex('decisions as d')
      .join('aid_requests as r', 'r.id', 'd.request_id')
      .where('d.status', 'applied')
      .whereRaw('coalesce(d.validated_at, d.proposed_at) >= ? and coalesce(d.validated_at, d.proposed_at) < ?', [from, to]),
  ).select('d.kind', 'd.amount_cents', 'r.household_id');
  const paid = await scoped(
    t.ctx
      .knex('payments as p')
      .join('aid_requests as r', 'r.id', 'p.request_id')
      .join('payment_batch_items as i', function () {
        this.on('i.payment_id', '=', 'p.id').andOn('i.live', '=', t.ctx.knex.raw('true'));
      })
      .join('payment_batches as b', 'b.id', 'i.batch_id')
      .where('b.transmitted_at', '>=', from)
      .where('b.transmitted_at', '<', to),
  ).select('p.amount_cents', 'r.household_id');
  const grants = decisions.filter((d: { kind: string }) => d.kind === 'grant');
  return {
    received: Number(received[0]!.n),
    decided: decisions.length,
    granted: grants.length,
    refused: decisions.filter((d: { kind: string }) => d.kind === 'refuse').length,
    adjourned: decisions.filter((d: { kind: string }) => d.kind === 'adjourn').length,
    grantedCents: grants.reduce((n: number, d: { amount_cents: string }) => n + Number(d.amount_cents), 0),
    paidCents: paid.reduce((n: number, p: { amount_cents: string }) => n + Number(p.amount_cents), 0),
    helped: new Set([...grants, ...paid].map((x: { household_id: string }) => x.household_id)).size,
  };
}

describe('the association’s figures', () => {
  it('equal the counts taken from the business tables: received (Paris months), decided, granted, refused, adjourned, amounts, households helped', async () => {
    const v = await view('admin');
    const c = await counted();
    expect(c.received).toBe(11); // 6 + 2 + the 1 November 00:01 + landlord B's 2
    expect({
      received: headline(v, 'received')?.value,
      decided: headline(v, 'decided')?.value,
      granted: headline(v, 'granted')?.value,
      refused: headline(v, 'refused')?.secret,
      adjourned: headline(v, 'adjourned')?.secret,
      grantedAmount: headline(v, 'grantedAmount')?.value,
      paid: headline(v, 'paid')?.value,
      households: headline(v, 'households')?.value,
    }).toEqual({
      received: c.received,
      decided: c.decided,
      granted: c.granted,
      // one refusal, one adjournment: fewer than 5, secret
      refused: true,
      adjourned: true,
      grantedAmount: c.grantedCents,
      paid: c.paidCents,
      households: c.helped,
    });
    expect(headline(v, 'grantRate')).toMatchObject({ value: 75, text: '75 %' });
    expect(headline(v, 'refused')?.text).toBe('< 5');
    // the months: October holds the request of 31 October 23:59, November the rest
    const october = await view('admin', { du: '2026-10', au: '2026-10', comparer: 'non' });
    expect(headline(october, 'received')).toMatchObject({ secret: true, text: '< 5' });
  });

  it('gives the median and 90th percentile of the delays exactly, from the decisions’ days', async () => {
    const v = await view('auditor');
    const decision = v.aid?.delays.find((d) => d.key === 'decision');
    // submitted on the 1st or 2nd, decided on the 2nd to 7th (grants), the 10th for requests of the 9th
    const rows = await t.ctx.knex.raw<{ rows: Array<{ days: number }> }>(
      `select ((coalesce(d.validated_at, d.proposed_at) at time zone 'Europe/Paris')::date - (r.submitted_at at time zone 'Europe/Paris')::date) as days
       from decisions d join aid_requests r on r.id = d.request_id where d.status = 'applied' order by 1`,
    );
    const days = rows.rows.map((r) => Number(r.days));
    const median = days.length % 2 ? days[(days.length - 1) / 2]! : (days[days.length / 2 - 1]! + days[days.length / 2]!) / 2;
    expect(decision?.median.value).toBe(median);
    expect(decision?.measured.value).toBe(days.length);
    const pg = await t.ctx.knex.raw<{ rows: Array<{ p90: number }> }>(
      `select percentile_cont(0.9) within group (order by x) as p90 from unnest(?::int[]) as x`,
      [days],
    );
    expect(decision?.p90.value).toBe(Math.round(Number(pg.rows[0]!.p90) * 10) / 10);
  });

  it('breaks down by landlord, département, cause and composition; a landlord behind fewer than 5 households is « < 5 » everywhere on its row', async () => {
    const v = await view('operator');
    const b = row(v.aid?.byLandlord, t.world.landlordB.name);
    for (const f of [b.received, b.decided, b.grantedAmount, b.households]) expect(f).toMatchObject({ secret: true, value: null, text: '< 5' });
    expect(b.drill).toBeNull();
    const a = row(v.aid?.byLandlord, t.world.landlordA.name);
    expect(a.received.value).toBe((await counted(t.world.landlordA.id)).received);
    expect(a.drill).toMatch(/^\/demandes\?type=|^\/demandes\?bailleur=|^\/demandes\?du=/);
    expect(row(v.aid?.byDepartement, '69').received.value).toBe(9);
    expect(row(v.aid?.byDepartement, '2A').received.secret).toBe(true);
    // the factory's requests give « perte d’emploi » as their cause, and 1 member
    expect(row(v.aid?.byCause, 'Perte d’emploi').received.value).toBe(11);
    expect(v.aid?.byComposition.map((r) => [r.label, r.received.value])).toEqual([['1 personne', 11]]);
    expect(v.aid?.byMonth.map((r) => r.label)).toEqual(['nov. 2026']);
  });

  it('counts the missions: opened, completed, hours of sessions, objectives reached', async () => {
    const v = await view('admin');
    const m = Object.fromEntries(v.missions.headline.map((h) => [h.key, h.value]));
    expect(m.opened).toMatchObject({ value: 5 });
    expect(m.completed).toMatchObject({ secret: true });
    expect(m.hours).toMatchObject({ value: 7.5, text: '7,5 h' });
    expect(m.households).toMatchObject({ value: 5 });
  });

  it('compares with the same months a year before, or the period just before', async () => {
    const year = await view('admin', { du: '2026-10', au: '2026-11', comparer: 'annee' });
    expect(year.comparison).toMatchObject({ from: '2025-10', to: '2025-11' });
    expect(headline(year, 'received')).toBeDefined();
    expect(year.aid?.headline.find((h) => h.key === 'received')?.previous).toMatchObject({ value: 0 });
    const before = await view('admin', { du: '2026-10', au: '2026-11', comparer: 'periode' });
    expect(before.comparison).toMatchObject({ from: '2026-08', to: '2026-09' });
  });
});

describe('who sees what', () => {
  it('shows a landlord administrator its own figures only, with the association’s average per member landlord beside', async () => {
    const v = await view('adminA');
    expect(v.audience).toBe('landlord');
    expect(v.aid?.byLandlord).toBeNull();
    expect(v.choices.landlords).toEqual([]);
    const own = await counted(t.world.landlordA.id);
    expect(headline(v, 'received')?.value).toBe(own.received);
    const landlords = Number((await t.ctx.knex('organisations').where({ kind: 'landlord' }).count<{ n: string }[]>('* as n'))[0]!.n);
    const all = await counted();
    expect(v.aid?.headline.find((h) => h.key === 'received')?.average?.value).toBe(Math.round((all.received * 10) / landlords) / 10);
    // another landlord's filter is ignored: still its own figures
    const other = await view('adminA', { ...NOV, bailleur: t.world.landlordB.id });
    expect(headline(other, 'received')?.value).toBe(own.received);
    // landlord B's own view: fewer than 5 households, secret
    const b = await view('adminB');
    expect(headline(b, 'received')).toMatchObject({ secret: true });
  });

  it('shows an adviser the missions assigned to them, and no request figure', async () => {
    const v = await view('social_adviser');
    expect(v.audience).toBe('adviser');
    expect(v.aid).toBeNull();
    expect(v.missions.headline.find((h) => h.key === 'opened')?.value.value).toBe(5);
  });

  it('refuses the roles without statistics', async () => {
    for (const role of ['accountant', 'instructorA'] as const) await expect(view(role)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('the aggregates’ refresh', () => {
  it('rebuilds the recent months every few minutes, the whole history once a day, the same figures each time', async () => {
    const before = await view('admin');
    const recent = await t.ctx.services.statisticsRefresher.refresh('recent');
    expect(recent.months).toEqual(['2026-11', '2026-12']);
    expect((await view('admin')).aid?.headline).toEqual(before.aid?.headline);
    // the last complete refresh is less than a day old: the job takes the recent months
    expect((await t.ctx.services.statisticsRefresher.refreshDue()).scope).toBe('recent');
    t.ctx.clock.set(paris('2026-12-03', '09:30'));
    expect((await t.ctx.services.statisticsRefresher.refreshDue()).scope).toBe('all');
    expect((await t.ctx.services.statisticsRefresher.updatedAt())?.toISOString()).toBe(paris('2026-12-03', '09:30').toISOString());
  });

  it('counts a new request in its month at the next refresh, whatever the hour: 31 December 23:50, 1 January 00:10, a DST night', async () => {
    const count = async (month: string) => headline(await view('admin', { du: month, au: month, comparer: 'non' }), 'received');
    await submitted({ landlord: 'A', postcode: '69003', at: paris('2026-12-31', '23:50') });
    await submitted({ landlord: 'A', postcode: '69003', at: paris('2027-01-01', '00:10') });
    t.ctx.clock.set(paris('2027-01-01', '00:15'));
    await t.ctx.services.statisticsRefresher.refresh('recent');
    expect(await count('2026-12')).toMatchObject({ secret: true }); // one request: secret, but counted
    const raw = (await t.ctx
      .knex('stat_cells')
      .where({ nature: 'aide' })
      .whereIn('month', ['2026-12', '2027-01'])
      .select('month')
      .sum('received as n')
      .groupBy('month')
      .orderBy('month')) as Array<{ month: string; n: string }>;
    expect(raw.map((r) => [r.month, Number(r.n)])).toEqual([
      ['2026-12', 1],
      ['2027-01', 1],
    ]);
    // the night summer time ends (25 October 2026, 02:30 happens twice): still October
    await submitted({ landlord: 'A', postcode: '69003', at: new Date('2026-10-25T01:30:00Z') });
    await t.ctx.services.statisticsRefresher.refresh('all');
    const october = await t.ctx.knex('stat_cells').where({ nature: 'aide', month: '2026-10' }).sum('received as n');
    expect(Number(october[0]!.n)).toBe(2);
  });
});

describe('views kept until the next refresh', () => {
  it('shows the figures of the last refresh: a request filed since appears after the next one; the job prepares the association’s pages', async () => {
    t.ctx.clock.set(paris('2027-01-05', '10:00'));
    await t.ctx.services.statisticsRefresher.refresh('recent');
    const query: StatisticsQuery = { du: '2027-01', au: '2027-01', comparer: 'non' };
    const before = headline(await view('admin', query), 'received');
    for (let i = 0; i < 5; i++) await submitted({ landlord: 'A', postcode: '69003', at: paris('2027-01-05', '09:00') });
    expect(headline(await view('admin', query), 'received')).toEqual(before);
    t.ctx.clock.set(paris('2027-01-05', '10:05'));
    await t.ctx.services.statisticsRefresher.refresh('recent');
    expect(before).toMatchObject({ secret: true });
    expect(headline(await view('admin', query), 'received')).toMatchObject({ value: 6 });
    expect(await t.ctx.services.statistics.warm()).toBe(6);
  });
});

describe('figures from histograms', () => {
  it('reads medians and percentiles as PostgreSQL’s percentile_cont does', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(
      quantile(
        [
          { days: 1, n: 1 },
          { days: 2, n: 1 },
          { days: 9, n: 1 },
        ],
        0.5,
      ),
    ).toBe(2);
    expect(
      quantile(
        [
          { days: 1, n: 1 },
          { days: 2, n: 1 },
          { days: 3, n: 1 },
          { days: 9, n: 1 },
        ],
        0.5,
      ),
    ).toBe(2.5);
    // position 0.9 × 9 = 8.1: between the 9th value (0) and the 10th (30)
    expect(
      quantile(
        [
          { days: 0, n: 9 },
          { days: 30, n: 1 },
        ],
        0.9,
      ),
    ).toBe(3);
    expect(
      quantile(
        [
          { days: 0, n: 8 },
          { days: 30, n: 2 },
        ],
        0.9,
      ),
    ).toBe(30);
  });

  it('keeps a period within 24 months, in order', () => {
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });
});
