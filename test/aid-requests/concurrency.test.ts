import { insertAidTypes } from '../../seeds/demo';
import { JOBS } from '../../src/jobs/registry';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { onPostgres } from '../support/database';
import { csrfToken, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Two people deciding the same request at the same moment, two reminder jobs at once, two
 * bulk assignments: meaningful on PostgreSQL (row locks between connections), where CI runs them;
 * on PGlite the same calls run one after the other and must give the same result.
 */
const t = useWorld();
let householdId: string;
let aidTypeId: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
});

const make = (status: 'in_review' | 'awaiting_information') =>
  insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId,
    aidTypeId,
    createdBy: t.world.users.instructorA.id,
    status,
    requestedCents: 90000,
    requestedMonths: 3,
    assignedTo: t.world.users.operator.id,
  });

describe(`concurrent decisions (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('two operators deciding the same request at once: one decision, the other reads a conflict, nothing overwritten', async () => {
    const id = await make('in_review');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const [tokenA, tokenB] = [await csrfToken(operator, `/demandes/${id}`), await csrfToken(admin, `/demandes/${id}`)];
    const version = String((await t.ctx.knex('aid_requests').where({ id }).first()).version);
    const [a, b] = await Promise.all([
      operator
        .post(`/demandes/${id}/proposer`)
        .type('form')
        .send({ _csrf: tokenA, kind: 'grant', amount: '900', instalments: '3', firstDueDate: '2026-12-05', version }),
      admin.post(`/demandes/${id}/proposer`).type('form').send({ _csrf: tokenB, kind: 'refuse', reasonCode: 'incomplete', version }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([302, 400]);
    const loser = a.status === 400 ? a : b;
    expect(loser.text).toContain('a été modifiée par quelqu');
    expect(await t.ctx.knex('decisions').where({ request_id: id })).toHaveLength(1);
    const row = await t.ctx.knex('aid_requests').where({ id }).first();
    expect(['granted', 'refused']).toContain(row.status);
    const payments = await t.ctx.knex('payments').where({ request_id: id });
    expect(payments).toHaveLength(row.status === 'granted' ? 3 : 0);
    expect(await t.ctx.knex('audit_events').where({ entity_id: id }).whereIn('action', ['request.granted', 'request.refused'])).toHaveLength(1);
  });

  it('two reminder runs at the same moment send each reminder once', async () => {
    const ids = [await make('awaiting_information'), await make('awaiting_information')];
    await t.ctx
      .knex('aid_requests')
      .whereIn('id', ids)
      .update({ information_requested_at: new Date('2026-11-01T09:00:00Z') });
    const now = t.ctx.clock.now();
    const runs = await Promise.all([t.ctx.services.instruction.sendInformationReminders(now), t.ctx.services.instruction.sendInformationReminders(now)]);
    expect(runs.reduce((s, r) => s + r.reminded, 0)).toBe(2);
    expect(await t.ctx.knex('request_events').whereIn('request_id', ids).where({ kind: 'reminder' })).toHaveLength(2);
    expect(await t.ctx.knex('mail_outbox').where({ kind: 'request.information_reminder' })).toHaveLength(2);
  });

  it('two reminder jobs for the same day: one runs, the other records that it skipped', async () => {
    const job = JOBS.find((x) => x.name === 'information-reminders') as (typeof JOBS)[number];
    const results = await Promise.all([
      t.ctx.services.jobs.run(job, t.ctx.services, 'replica-1', '2026-11-30'),
      t.ctx.services.jobs.run(job, t.ctx.services, 'replica-2', '2026-11-30'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
    expect(await t.ctx.knex('job_runs').where({ job: job.name, period_key: '2026-11-30' })).toHaveLength(1);
  });
});
