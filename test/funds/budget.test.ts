import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { openDatabase } from '../../src/db/database';
import { createServices, type Services } from '../../src/services';
import type { Contribution } from '../../src/funds/amounts';
import { insertHousehold } from '../factories/household';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { onPostgres } from '../support/database';
import { useWorld } from '../support/world';
import { ReportingRepository } from '../../src/funder/reporting/repository';
import { monthBounds, toRecord } from '../../src/funder/reporting/records';
import { schemaProblem } from '../../src/funder/formats/schemas';

/**
 * Budget envelopes follow the money: a grant commits on its fund, a transfer sent consumes, a
 * rejection unconsumes, cancelled instalments release — each in the transaction of the event, so
 * the fund's running totals always equal its movements, and what remains equals the envelope less
 * (granted − released). Above what remains, a grant is refused unless an administrator overrides it
 * with a reason (then a second person validates); two grants on the last euros never both pass.
 */
const t = useWorld();
/** French amounts use narrow no-break spaces: compare messages with plain ones. */
const plain = (e: unknown) =>
  String(
    (e as { fieldErrors?: Record<string, string> }).fieldErrors ? JSON.stringify((e as { fieldErrors: unknown }).fieldErrors) : (e as Error).message,
  ).replace(/[\u00a0\u202f]/g, ' ');
const failure = (p: Promise<unknown>) => p.then(() => 'passed', plain);
let setup: { aqId: string; householdId: string };
const aidId = async (code: string) => (await t.ctx.knex('aid_types').where({ code }).first('id')).id as string;

beforeAll(async () => {
  setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
});

const admin = () => actorOf(t.ctx.knex, t.world.users.admin.id);
const operator = () => actorOf(t.ctx.knex, t.world.users.operator.id);

async function fund(name: string, code: string, aidTypeCodes: string[], contributions: Contribution[], extra: Record<string, unknown> = {}) {
  return t.ctx.services.funds.create(await admin(), {
    name,
    analyticCode: code,
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
    aidTypeCodes,
    notes: null,
    contributions,
    allocations: [],
    ...extra,
  });
}
const fixed = (amountCents: number): Contribution => ({ kind: 'fixed', funderName: 'Action Logement', amountCents });

/** A request in review for landlord A (or B) of an aid type, ready for a decision. */
async function inReview(aidCode: string, amountCents: number, organisation: 'A' | 'B' = 'A') {
  const org = organisation === 'A' ? t.world.landlordA.id : t.world.landlordB.id;
  return insertRequest(t.ctx.knex, {
    organisationId: org,
    householdId: (await insertHousehold(t.ctx.knex, org)).id,
    aidTypeId: await aidId(aidCode),
    createdBy: organisation === 'A' ? t.world.users.instructorA.id : t.world.users.instructorB.id,
    status: 'in_review',
    requestedCents: amountCents,
    requestedMonths: 1,
    assignedTo: t.world.users.operator.id,
  });
}
const versionOf = async (id: string) => Number((await t.ctx.knex('aid_requests').where({ id }).first('version')).version);
async function propose(actorId: string, requestId: string, amountCents: number, more: Record<string, unknown> = {}) {
  return t.ctx.services.decisions.propose(await actorOf(t.ctx.knex, actorId), requestId, {
    kind: 'grant',
    amountCents,
    instalments: 1,
    firstDueDate: '2026-12-10',
    version: await versionOf(requestId),
    amount: undefined,
    reasonCode: undefined,
    adjournedUntil: undefined,
    comment: undefined,
    ...more,
  } as never);
}
const fundRow = (id: string) => t.ctx.knex('funds').where({ id }).first();
const movements = (requestId: string) => t.ctx.knex('fund_movements').where({ request_id: requestId }).orderBy('occurred_at').orderBy('kind');
async function payNight(period: string): Promise<void> {
  await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', period);
  const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).orderBy('number', 'desc').first();
  const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
  await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
  await t.ctx.services.batches.transmit(accountant, batch.id, batch.version + 1);
}
async function expectTotalsMatchMovements(fundId: string) {
  const f = await fundRow(fundId);
  const sums: Array<{ kind: string; cents: string }> = await t.ctx
    .knex('fund_movements')
    .where({ fund_id: fundId })
    .groupBy('kind')
    .select('kind', t.ctx.knex.raw('sum(amount_cents) as cents'));
  const of = (k: string) => Number(sums.find((s) => s.kind === k)?.cents ?? 0);
  expect(Number(f.committed_cents)).toBe(of('commit') - of('release'));
  expect(Number(f.consumed_cents)).toBe(of('consume') - of('unconsume'));
}

describe('the fund follows every money event of its grants', () => {
  it('grant commits, transfer consumes, rejection unconsumes, re-issue consumes again, cancellation releases; remaining = envelope − (granted − released); the ledger carries the analytic code', async () => {
    const fundId = await fund('Quittance test', 'QUIT26', ['AQ'], [fixed(500_000)]);
    const id = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId: setup.aqId,
      householdId: setup.householdId,
      amountCents: 60_000,
      instalments: 3,
      firstDueDate: '2026-11-24',
    });
    expect((await movements(id)).map((m: { kind: string; amount_cents: string }) => [m.kind, Number(m.amount_cents)])).toEqual([['commit', 60_000]]);
    expect(Number((await fundRow(fundId)).committed_cents)).toBe(60_000);

    await payNight('2026-11-23');
    const [first] = await t.ctx.knex('payments').where({ request_id: id }).orderBy('instalment');
    expect((await movements(id)).filter((m: { kind: string }) => m.kind === 'consume')).toEqual([
      expect.objectContaining({ payment_id: first.id, amount_cents: '20000' }),
    ]);

    await t.ctx.services.rejections.reject(await operator(), first.id, 'AC01', null);
    expect((await movements(id)).filter((m: { kind: string }) => m.kind === 'unconsume')).toEqual([
      expect.objectContaining({ payment_id: first.id, amount_cents: '20000' }),
    ]);
    expect(Number((await fundRow(fundId)).consumed_cents)).toBe(0);

    const rejected = await t.ctx.knex('payments').where({ id: first.id }).first();
    await t.ctx.services.rejections.reissue(await operator(), first.id, rejected.version);
    await payNight('2026-11-24');
    expect(Number((await fundRow(fundId)).consumed_cents)).toBe(20_000);

    await t.ctx.services.rejections.cancelRemaining(await operator(), id, 'Le locataire a quitté le logement');
    const released = (await movements(id)).filter((m: { kind: string }) => m.kind === 'release');
    expect(released.map((m: { amount_cents: string }) => Number(m.amount_cents))).toEqual([20_000, 20_000]);

    const f = await fundRow(fundId);
    expect(Number(f.committed_cents)).toBe(60_000 - 40_000);
    expect(Number(f.total_cents) - Number(f.committed_cents)).toBe(500_000 - (60_000 - 40_000));
    await expectTotalsMatchMovements(fundId);

    // every ledger line of this aid carries the fund's analytic code: grant, transfers, rejection, cancellation
    const lines = await t.ctx
      .knex('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .where('e.request_id', id)
      .select('e.source_type', 'l.analytic_code');
    expect(new Set(lines.map((l: { source_type: string }) => l.source_type))).toEqual(new Set(['grant', 'batch', 'rejection', 'cancellation']));
    expect(lines.every((l: { analytic_code: string }) => l.analytic_code === 'QUIT26')).toBe(true);

    // the funder's REPORTING cell of this aid carries what the envelopes consumed in the month: 200 sent, returned, sent again
    const cells = await new ReportingRepository().cells(t.ctx.knex, monthBounds('2026-11'));
    const aq = cells.find((c) => c.nature === 'aide' && c.code === 'AQ');
    expect(aq?.enveloppeConsommeeCentimes).toBe(20_000);
    const record = toRecord('2026-11', { ...aq!, menagesConcernes: 5, menagesAides: 5 });
    expect(record.enveloppe_consommee_centimes).toBe(20_000);
    expect(schemaProblem('reporting', record)).toBeNull();
    // secret cell: null like every indicator, still valid
    expect(toRecord('2026-11', aq!).enveloppe_consommee_centimes).toBeNull();
    expect(schemaProblem('reporting', toRecord('2026-11', aq!))).toBeNull();
    // a cell of an aid no fund pays has no such field
    expect(toRecord('2026-11', { ...aq!, code: 'AE', enveloppeConsommeeCentimes: null })).not.toHaveProperty('enveloppe_consommee_centimes');
  });

  it('an aid no fund pays is granted without a movement', async () => {
    const id = await inReview('AD', 50_000);
    expect(await propose(t.world.users.operator.id, id, 50_000)).toBe('applied');
    expect(await movements(id)).toEqual([]);
  });
});

describe('what remains', () => {
  let fundId: string;
  beforeAll(async () => {
    fundId = await fund(
      'Énergie test',
      'ENER26',
      ['AE'],
      [
        { kind: 'landlord', organisationId: t.world.landlordA.id, organisationName: '', dwellings: 10, perDwellingCents: 1_000 },
        { kind: 'matching', funderName: 'Action Logement', rateBp: 5_000, capCents: null },
      ],
    );
  });

  it('the envelope is the landlords’ contributions plus the funder’s matching (10 × 10 € + 50 %)', async () => {
    expect(Number((await fundRow(fundId)).total_cents)).toBe(15_000);
    const view = await t.ctx.services.funds.get(await admin(), fundId);
    expect(plain({ message: view.formula })).toBe('100,00 € + 50,00 € = 150,00 €');
  });

  it('a grant above what remains is refused in French; an operator cannot override; an administrator can, with a reason, and a second person validates', async () => {
    const id = await inReview('AE', 20_000);
    expect(await failure(propose(t.world.users.operator.id, id, 20_000))).toContain(
      '"amount":"200,00 € dépasse ce qui reste : le fonds « Énergie test » n’a plus que 150,00 € sur 150,00 €. Réduisez le montant',
    );
    await expect(propose(t.world.users.operator.id, id, 20_000, { budgetOverride: 'Urgence' })).rejects.toMatchObject({
      fieldErrors: { budgetOverride: expect.stringContaining('Seul un administrateur') },
    });
    expect(await movements(id)).toEqual([]);
    // the administrator overrides: below the aid's threshold, it still waits for a second person
    expect(await propose(t.world.users.admin.id, id, 20_000, { budgetOverride: 'Coupure imminente, validée en comité' })).toBe('pending');
    const pending = await t.ctx.knex('decisions').where({ request_id: id, status: 'pending' }).first();
    expect(pending).toMatchObject({ fund_id: fundId, budget_override_reason: 'Coupure imminente, validée en comité' });
    await expect(t.ctx.services.decisions.validate(await admin(), id, { outcome: 'approve', version: await versionOf(id) } as never)).rejects.toThrow(
      /propre proposition/,
    );
    expect(await t.ctx.services.decisions.validate(await operator(), id, { outcome: 'approve', version: await versionOf(id) } as never)).toBe('applied');
    const [commit] = await movements(id);
    expect(commit).toMatchObject({ kind: 'commit', amount_cents: '20000', override_reason: 'Coupure imminente, validée en comité' });
    const audit = await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.granted' }).first();
    expect(JSON.stringify(audit.after)).toContain('Coupure imminente');
    expect(Number((await fundRow(fundId)).committed_cents)).toBe(20_000);
    await expectTotalsMatchMovements(fundId);
  });

  it('80 % committed: one mail to each administrator and operator, once; the banner lists the fund', async () => {
    const before = await t.ctx.knex('mail_outbox').where({ kind: 'fund.warning' });
    expect(before).toHaveLength(2); // the override above took it past 80 %: the admin and the operator
    expect(before.map((m: { to_address: string }) => m.to_address).sort()).toEqual(['admin@asso.test', 'operator@asso.test']);
    // another grant on the warned fund (an override again): no second mail
    const id = await inReview('AE', 1_000);
    await propose(t.world.users.admin.id, id, 1_000, { budgetOverride: 'Reliquat' });
    await t.ctx.services.decisions.validate(await operator(), id, { outcome: 'approve', version: await versionOf(id) } as never);
    expect(await t.ctx.knex('mail_outbox').where({ kind: 'fund.warning' })).toHaveLength(2);
    expect((await fundRow(fundId)).warned_at).not.toBeNull();
    expect((await t.ctx.services.funds.warnings(await operator())).map((f) => f.name)).toContain('Énergie test');
  });

  it('a proposal waiting for validation is checked again when validated: the fund may have filled up meanwhile', async () => {
    // above the debt aid's threshold (2 000 €) each grant waits for a second person; each fits alone
    const other = await fund('Dette test', 'DETTE26', ['AD'], [fixed(300_000)]);
    const a = await inReview('AD', 210_000);
    const b = await inReview('AD', 210_000);
    expect(await propose(t.world.users.operator.id, a, 210_000)).toBe('pending');
    expect(await propose(t.world.users.operator.id, b, 210_000)).toBe('pending');
    // the fund's page shows them waiting, not committed
    expect(await t.ctx.services.funds.get(await admin(), other)).toMatchObject({ pendingCents: 420_000, committedCents: 0 });
    expect(await t.ctx.services.decisions.validate(await admin(), a, { outcome: 'approve', version: await versionOf(a) } as never)).toBe('applied');
    expect(await failure(t.ctx.services.decisions.validate(await admin(), b, { outcome: 'approve', version: await versionOf(b) } as never))).toContain(
      'n’a plus que 900,00 € sur 3 000,00 €',
    );
    expect(Number((await fundRow(other)).committed_cents)).toBe(210_000);
  });
});

describe('choosing the fund', () => {
  it('two funds pay the aid: the operator must choose; a fund with allocations pays only its landlords, up to each allocation', async () => {
    const code = 'AQ';
    const second = await fund('Quittance complément', 'QUITBIS', [code], [fixed(100_000)]);
    const id = await inReview(code, 10_000);
    await expect(propose(t.world.users.operator.id, id, 10_000)).rejects.toMatchObject({
      fieldErrors: { fundId: 'Plusieurs fonds peuvent payer cette aide : choisissez celui qui la porte.' },
    });
    expect(await propose(t.world.users.operator.id, id, 10_000, { fundId: second })).toBe('applied');
    expect((await movements(id))[0]).toMatchObject({ fund_id: second, kind: 'commit' });
    // allocations: only landlord B may draw on this one, up to 50 €
    const allocated = await fund('Quittance bailleur B', 'QUITB', [code], [fixed(100_000)], {
      allocations: [{ organisationId: t.world.landlordB.id, amountCents: 5_000 }],
    });
    const options = await t.ctx.services.budget.options(t.ctx.knex, { aidTypeCode: code, organisationId: t.world.landlordA.id, on: '2026-11-23' });
    expect(options.map((o) => o.id)).not.toContain(allocated);
    const forB = await t.ctx.services.budget.options(t.ctx.knex, { aidTypeCode: code, organisationId: t.world.landlordB.id, on: '2026-11-23' });
    expect(forB.find((o) => o.id === allocated)).toMatchObject({ allocationRemainingCents: 5_000, availableCents: 5_000 });
    // outside its period no fund applies
    expect(await t.ctx.services.budget.options(t.ctx.knex, { aidTypeCode: code, organisationId: t.world.landlordA.id, on: '2027-01-01' })).toEqual([]);
  });
});

describe(`the last euros of a fund (${onPostgres() ? 'PostgreSQL, two connection pools at once' : 'PGlite, one after the other'})`, () => {
  let replica: { services: Services; close(): Promise<void> } | null = null;
  beforeAll(async () => {
    if (onPostgres()) {
      const url = (t.ctx.knex.client.config as { connection: string }).connection;
      const db = openDatabase({ kind: 'postgres', url, poolMax: 5 });
      replica = { services: createServices(db, t.ctx.services.config, t.ctx.clock, t.ctx.services.logger), close: () => db.close() };
    }
  });
  afterAll(async () => {
    await replica?.close();
  });

  it('two grants that each fit but not together: exactly one passes, the fund is never over-committed', async () => {
    const fundId = await fund('Dernier euro', 'LAST', ['AE'], [fixed(30_000)], { startsOn: '2026-11-01', endsOn: '2026-11-30' });
    // the energy fund above also pays AE: choose this one explicitly
    const [a, b] = [await inReview('AE', 20_000), await inReview('AE', 20_000)];
    const run = async (services: Services, id: string) =>
      services.decisions
        .propose(await operator(), id, {
          kind: 'grant',
          amountCents: 20_000,
          instalments: 1,
          firstDueDate: '2026-12-10',
          fundId,
          version: await versionOf(id),
        } as never)
        .then(
          (o) => o,
          (e: Error) => e,
        );
    const outcomes = onPostgres()
      ? await Promise.all([run(t.ctx.services, a), run(replica!.services, b)])
      : [await run(t.ctx.services, a), await run(t.ctx.services, b)];
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o instanceof Error && plain(o).includes('n’a plus que 100,00 €'))).toHaveLength(1);
    const f = await fundRow(fundId);
    expect(Number(f.committed_cents)).toBe(20_000);
    await expectTotalsMatchMovements(fundId);
  });
});
