import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/** The dashboard's month starts at midnight in Paris in summer time too (it started at 01:00: UTC+1 was hard-coded). */
const t = useWorld();

it('counts in July a grant decided on 1 July at 00:30 in Paris (summer time)', async () => {
  await insertAidTypes(t.ctx.knex);
  const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const household = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  const id = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: household,
    aidTypeId: aq,
    createdBy: t.world.users.instructorA.id,
    status: 'granted',
  });
  // 2026-06-30T22:30Z is 01/07/2026 00:30 in Paris (UTC+2)
  await t.ctx
    .knex('aid_requests')
    .where({ id })
    .update({ submitted_at: new Date('2026-06-20T10:00:00Z'), decided_at: new Date('2026-06-30T22:30:00Z'), granted_cents: 30000 });
  t.ctx.clock.set(new Date('2026-07-15T10:00:00Z'));
  const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  const page = $((await operator.get('/tableau-de-bord')).text);
  expect(page('figure[aria-labelledby="chart-month-type"] table td').first().text()).toBe('Aide sur quittance');
});

it('counts in June, not July, a grant decided on 30 June at 23:30 in Paris', async () => {
  const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  const household = (await insertHousehold(t.ctx.knex, t.world.landlordB.id)).id;
  const id = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordB.id,
    householdId: household,
    aidTypeId: aq,
    createdBy: t.world.users.instructorB.id,
    status: 'granted',
  });
  // 2026-06-30T21:30Z is 30/06/2026 23:30 in Paris: June
  await t.ctx
    .knex('aid_requests')
    .where({ id })
    .update({ submitted_at: new Date('2026-06-20T10:00:00Z'), decided_at: new Date('2026-06-30T21:30:00Z'), granted_cents: 45000 });
  const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  const page = $((await operator.get('/tableau-de-bord')).text);
  expect(page('figure[aria-labelledby="chart-month-landlord"] table').text()).not.toContain('Bailleur Bêta');
});
