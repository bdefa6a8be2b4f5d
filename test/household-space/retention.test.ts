import { accessLogRetention } from '../../src/jobs/definitions/access-log-retention';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';
import { insertHousehold, insertPerson } from '../factories/household';

/** The household space's read traces: append-only, purged with the extranet's past the same retention (migration 077). */
const t = useWorld({ ACCESS_LOG_RETENTION_MONTHS: '12' });
const SCHEDULER = { userId: null, label: 'Planificateur' };

describe('the household space’s read traces', () => {
  it('refuse updates and deletions, and go with the nightly purge once older than the retention, only those', async () => {
    const personId = await insertPerson(t.ctx.knex, { email: 'trace@exemple.fr' });
    const { id: householdId } = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId }] });
    const row = (entityId: string, iso: string) => ({
      person_id: personId,
      household_id: householdId,
      action: 'household.request',
      entity_type: 'aid_request',
      entity_id: entityId,
      occurred_at: new Date(iso),
    });
    await t.ctx.knex('household_access_events').insert([row('vieux', '2025-03-01T10:00:00Z'), row('recent', '2026-11-01T10:00:00Z')]);
    await expect(t.ctx.knex('household_access_events').update({ action: 'x' })).rejects.toThrow(/append-only/);
    await expect(t.ctx.knex('household_access_events').where({ entity_id: 'vieux' }).delete()).rejects.toThrow(/append-only/);
    const run = await t.ctx.services.jobs.run(accessLogRetention, t.ctx.services, SCHEDULER, accessLogRetention.periodKey(TEST_NOW));
    expect(run).toMatchObject({ status: 'succeeded', counts: { deleted: 1 } });
    expect((await t.ctx.knex('household_access_events').where({ person_id: personId }).pluck('entity_id')) as string[]).toEqual(['recent']);
  });
});
