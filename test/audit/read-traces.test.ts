import { useWorld } from '../support/world';
import { loginAs } from '../support/http';
import { acceptedMission, missionSetup } from '../factories/mission';

/**
 * CNIL A.3 item 4 / ASVS 8.3.5: every read of a mission is traced whoever reads it (the landlord
 * following its household's mission in summary form too), and a list export leaves one trace.
 */
const t = useWorld();

const traces = (userId: string, action: string) => t.ctx.knex('access_events').where({ user_id: userId, action }).select('entity_type', 'entity_id');

describe('read traces beyond the household and request pages', () => {
  it('traces a landlord reading its household’s mission, like the association’s readers', async () => {
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    const mission = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect((await landlord.get(`/accompagnement/${mission}`)).status).toBe(200);
    expect(await traces(t.world.users.instructorA.id, 'mission.view')).toEqual([{ entity_type: 'mission', entity_id: mission }]);
  });

  it('leaves one trace per export of households or requests, naming the export and not its filters', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect((await operator.get('/menages/export.csv?q=Durand')).status).toBe(200);
    expect((await operator.get('/demandes/export.csv')).status).toBe(200);
    expect((await operator.get('/demandes/export.xlsx')).status).toBe(200);
    expect(await traces(t.world.users.operator.id, 'households.export')).toEqual([{ entity_type: 'export', entity_id: 'menages.csv' }]);
    expect(await traces(t.world.users.operator.id, 'requests.export')).toEqual(
      expect.arrayContaining([
        { entity_type: 'export', entity_id: 'demandes.csv' },
        { entity_type: 'export', entity_id: 'demandes.xlsx' },
      ]),
    );
  });
});
