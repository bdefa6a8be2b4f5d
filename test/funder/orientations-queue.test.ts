import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertHousehold, insertPerson } from '../factories/household';
import { $, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { orientationRecord, writeOrientations } from '../support/funder-side';

/**
 * The « Orientations ASD » queue (issue 15): the association sees every orientation received, a
 * landlord those of its tenants only (another landlord's is "not found"); opening one is a traced
 * read that looks for the person among the known people; closing asks for a reason and a confirmation.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-queue-'));
const t = useWorld({ FUNDER_DIR: root });
let orientationId: string;

beforeAll(async () => {
  const row = await t.ctx.knex<{ id: string; siren: string }>('organisations').where({ id: t.world.landlordA.id }).first('siren');
  // the person is already known at landlord A (same identity)
  const known = await insertPerson(t.ctx.knex, { lastName: 'Lefèvre', firstNames: 'Amandine Claire', birthDate: '1986-04-12' });
  await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: known, relationship: 'holder' }] });
  writeOrientations(root, 1, [orientationRecord('Q-1', row!.siren)]);
  await t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
  orientationId = (await t.ctx.knex<{ id: string; record_id: string }>('funder_orientations').where({ record_id: 'Q-1' }).first('id'))!.id;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the Orientations ASD queue', () => {
  it('lists the orientation for the association and for its landlord, not for another landlord', async () => {
    for (const email of [t.world.users.operator.email, t.world.users.instructorA.email]) {
      const agent = await loginAs(t.ctx.app, email);
      const res = await agent.get('/orientations');
      expect(res.status).toBe(200);
      expect($(res.text)('table').text()).toContain('Lefèvre Amandine Claire');
    }
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    const list = await other.get('/orientations');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('Lefèvre');
    expect((await other.get(`/orientations/${orientationId}`)).status).toBe(404);
    expect((await other.get('/orientations/not-a-uuid')).status).toBe(404);
  });

  it('shows the orientation, says the person seems known, and leaves a read trace', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await agent.get(`/orientations/${orientationId}`);
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('main').text()).toContain('semble déjà connue');
    expect(page('main').text()).toContain('Impayé de loyer');
    const traces = await t.ctx.knex('access_events').where({ action: 'orientation.view', entity_id: orientationId, user_id: t.world.users.operator.id });
    expect(traces).toHaveLength(1);
  });

  it('refuses to close without a confirmation, keeping the reason chosen, then closes once with an audit line', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const refused = await postForm(agent, `/orientations/${orientationId}/cloture`, { reason: 'injoignable', version: '1' }, `/orientations/${orientationId}`);
    expect(refused.status).toBe(400);
    const page = $(refused.text);
    expect(page('#confirm-error').text()).toContain('Cochez la case pour confirmer');
    expect(page('#reason option[selected]').attr('value')).toBe('injoignable');
    expect(await t.ctx.knex('funder_orientations').where({ id: orientationId }).first('status')).toEqual({ status: 'a_traiter' });

    const closed = await postForm(
      agent,
      `/orientations/${orientationId}/cloture`,
      { reason: 'injoignable', confirm: 'on', version: '1' },
      `/orientations/${orientationId}`,
    );
    expect(closed.status).toBe(302);
    expect(await t.ctx.knex('funder_orientations').where({ id: orientationId }).first('status', 'close_reason', 'closed_by')).toEqual({
      status: 'close',
      close_reason: 'injoignable',
      closed_by: t.world.users.instructorA.id,
    });
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'funder_orientation', entity_id: orientationId, action: 'closed' })).toHaveLength(1);

    const again = await postForm(
      agent,
      `/orientations/${orientationId}/cloture`,
      { reason: 'autre', confirm: 'on', version: '2' },
      `/orientations/${orientationId}`,
    );
    // a conflict is said on the form itself (400), in French
    expect(again.status).toBe(400);
    expect($(again.text)('main').text()).toContain('n’est plus à traiter');
    expect(await t.ctx.knex('funder_orientations').where({ id: orientationId }).first('close_reason')).toEqual({ close_reason: 'injoignable' });
  });
});
