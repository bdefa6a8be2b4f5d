import { insertAidTypes } from '../../seeds/demo';
import { RequestListRepository } from '../../src/aid-requests/lists/repository';
import { listQuery } from '../../src/aid-requests/lists/schemas';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { useWorld } from '../support/world';

/**
 * The counters above the association's list: exact under the cap, "past the cap" above it, and a
 * status that PostgreSQL's statistics put far past the cap is not counted at all (no filter only).
 */
const t = useWorld();
const lists = new RequestListRepository();
const CAP = 5;
let aq: string;
let ae: string;
const closed: string[] = [];

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  ae = (await t.ctx.knex('aid_types').where({ code: 'AE' }).first()).id;
  const household = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  const make = (status: string, aidTypeId: string) =>
    insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: household,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
      status: status as never,
    });
  for (let i = 0; i < 16; i++) closed.push(await make('closed', i < 2 ? ae : aq));
  await make('submitted', aq);
  await make('submitted', aq);
  await t.ctx.knex.raw('analyze aid_requests');
});

const all = { all: true } as const;

describe('the association’s counters by status', () => {
  it('reads PostgreSQL’s estimates of each status after an ANALYZE', async () => {
    const estimates = await lists.statusEstimates(t.ctx.knex);
    expect(estimates.get('closed')).toBe(16);
    expect(estimates.get('submitted')).toBe(2);
  });

  it('counts exactly under the cap, says "past the cap" above it, and skips the statuses estimated far past it', async () => {
    const estimates = await lists.statusEstimates(t.ctx.knex);
    expect(await lists.countsByStatus(t.ctx.knex, all, listQuery.parse({}), estimates, CAP)).toEqual({ closed: CAP + 1, submitted: 2 });
    // 14 closed requests are withdrawn after the statistics were taken: "closed" still reads "past
    // the cap" from them (it is not counted), "withdrawn" is counted and capped
    await t.ctx.knex('aid_requests').whereIn('id', closed.slice(2)).update({ status: 'withdrawn' });
    expect(await lists.countsByStatus(t.ctx.knex, all, listQuery.parse({}), estimates, CAP)).toEqual({ closed: CAP + 1, withdrawn: CAP + 1, submitted: 2 });
    // with a filter the statistics say nothing: every status is counted
    expect(await lists.countsByStatus(t.ctx.knex, all, listQuery.parse({ type: ae }), estimates, CAP)).toEqual({ closed: 2 });
    // without statistics, everything is counted
    expect(await lists.countsByStatus(t.ctx.knex, all, listQuery.parse({}), new Map(), CAP)).toEqual({ closed: 2, withdrawn: CAP + 1, submitted: 2 });
    await t.ctx.knex('aid_requests').whereIn('id', closed.slice(2)).update({ status: 'closed' });
  });
});
