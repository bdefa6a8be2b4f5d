import { openDatabase } from '../../src/db/database';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { createServices, type Services } from '../../src/services';
import { insertHousehold } from '../factories/household';
import { grantedRequest, paymentSetup } from '../factories/payment';
import { onPostgres } from '../support/database';
import { useWorld } from '../support/world';

/**
 * A payment is paid at most once, whatever runs twice or crashes: two replicas firing the job
 * together, two nights with the same execution date at once, a crash in the middle of a batch.
 * Real concurrency needs PostgreSQL (CI runs it there); on PGlite the same calls run one after
 * the other and must give the same result.
 */
const t = useWorld();
let setup: { aqId: string; householdId: string };
let replica: { services: Services; close(): Promise<void> } | null = null;

beforeAll(async () => {
  setup = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  if (onPostgres()) {
    // a second app process: its own pool on the same database, its own services
    const url = (t.ctx.knex.client.config as { connection: string }).connection;
    const db = openDatabase({ kind: 'postgres', url, poolMax: 5 });
    replica = { services: createServices(db, t.ctx.services.config, t.ctx.clock, t.ctx.services.logger), close: () => db.close() };
  }
});
afterAll(async () => {
  await replica?.close();
});

const other = (): Services => replica?.services ?? t.ctx.services;
const grant = async (amountCents: number, instalments: number, firstDueDate: string) =>
  grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId: setup.aqId,
    householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id,
    amountCents,
    instalments,
    firstDueDate,
  });
const itemsFor = (executionDate: string) =>
  t.ctx
    .knex('payment_batch_items as i')
    .join('payment_batches as b', 'b.id', 'i.batch_id')
    .where('b.execution_date', executionDate)
    .whereNot('b.status', 'cancelled')
    .orderBy('i.end_to_end_id')
    .select('i.payment_id', 'i.end_to_end_id', 'i.amount_cents');

describe(`exactly once (${onPostgres() ? 'PostgreSQL, two connection pools' : 'PGlite, one after the other'})`, () => {
  it('two replicas firing the nightly job at the same moment: one runs it, the other records that it skipped', async () => {
    await grant(40000, 1, '2026-11-30');
    await grant(12345, 1, '2026-11-29');
    const run = (services: Services) => services.jobs.run(sepaBatches, services, 'Planificateur', '2026-11-30');
    const outcomes = onPostgres() ? await Promise.all([run(t.ctx.services), run(other())]) : [await run(t.ctx.services), await run(other())];
    expect(outcomes.map((o) => o.status).sort()).toEqual(['skipped', 'succeeded']);
    expect(await t.ctx.knex('payment_batches').where({ execution_date: '2026-12-01' })).toHaveLength(1);
    expect(await itemsFor('2026-12-01')).toHaveLength(2);
    const row = await t.ctx.knex('job_runs').where({ job: 'sepa-batches', period_key: '2026-11-30' }).first();
    expect(row).toMatchObject({ status: 'succeeded', skipped_count: 1 });
  });

  it('two nights with the same execution date generating at once (Saturday and Sunday): the advisory lock lets one batch exist', async () => {
    await grant(21000, 1, '2026-12-07');
    const gen = (services: Services, day: string) => services.batches.generate(day, { userId: null, label: 'Planificateur' }, null);
    const results = onPostgres()
      ? await Promise.all([gen(t.ctx.services, '2026-12-05'), gen(other(), '2026-12-06')])
      : [await gen(t.ctx.services, '2026-12-05'), await gen(other(), '2026-12-06')];
    expect(results.map((r) => r.batches.length).sort()).toEqual([0, 1]);
    expect(await t.ctx.knex('payment_batches').where({ execution_date: '2026-12-07' })).toHaveLength(1);
    expect(await itemsFor('2026-12-07')).toHaveLength(1);
  });

  it('a crash in the middle of a batch leaves nothing half-done, and the run again gives the same batch', async () => {
    await grant(11100, 1, '2026-12-09');
    await grant(22200, 1, '2026-12-09');
    await grant(33300, 1, '2026-12-09');
    // the database fails on the second item written, as a crash would
    await t.ctx.knex.raw(`create function crash_on_second_item() returns trigger language plpgsql as $$
      begin if (select count(*) from payment_batch_items where batch_id = new.batch_id) >= 1 then raise exception 'panne simulée'; end if; return new; end $$`);
    await t.ctx.knex.raw('create trigger crash_items before insert on payment_batch_items for each row execute function crash_on_second_item()');
    const due = await t.ctx.knex('payments').where({ status: 'scheduled', due_date: '2026-12-09' }).select('id');
    const crashed = await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-12-08');
    expect(crashed).toMatchObject({ status: 'failed' });
    expect(await t.ctx.knex('payment_batches').where({ execution_date: '2026-12-09' })).toHaveLength(0);
    expect(
      await t.ctx
        .knex('payments')
        .whereIn(
          'id',
          due.map((d: { id: string }) => d.id),
        )
        .whereNot('status', 'scheduled'),
    ).toHaveLength(0);
    expect(
      await t.ctx.knex('blobs').where({ content_type: 'application/xml' }).whereNotIn('id', t.ctx.knex('payment_batches').select('file_blob_id')),
    ).toHaveLength(0);
    await t.ctx.knex.raw('drop trigger crash_items on payment_batch_items');
    await t.ctx.knex.raw('drop function crash_on_second_item()');
    const again = await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, 'Planificateur', '2026-12-08');
    expect(again).toMatchObject({ status: 'succeeded', counts: { batches: 1, payments: 3 } });
    const items = await itemsFor('2026-12-09');
    expect(items.map((i: { payment_id: string }) => i.payment_id).sort()).toEqual(due.map((d: { id: string }) => d.id).sort());
    expect(items.reduce((s: number, i: { amount_cents: string }) => s + Number(i.amount_cents), 0)).toBe(66600);
    const batch = await t.ctx.knex('payment_batches').where({ execution_date: '2026-12-09' }).first();
    expect(batch).toMatchObject({ transaction_count: 3, control_sum_cents: '66600' });
  });
});
