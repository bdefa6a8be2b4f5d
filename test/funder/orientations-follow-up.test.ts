import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { missionSetup } from '../factories/mission';
import { $, loginAs, postForm } from '../support/http';
import { orientationRecord, writeOrientations } from '../support/funder-side';
import { useWorld } from '../support/world';

/**
 * Giving an ASD orientation its follow-up (issue 15): the household matched among the landlord's
 * households or created from the orientation's prefilled form, then a request (the landlord's, or
 * a draft the association prepares for it) or a support mission — prefilled, keeping the ASD case
 * number, the orientation « prise en charge » once, each step audited.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-follow-up-'));
const t = useWorld({ FUNDER_DIR: root });
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let siren: string;
let knownHousehold: string;
let sequence = 0;
let aq: string;

/** Receives one orientation through the real intake and returns its id. */
async function receive(recordId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  writeOrientations(root, ++sequence, [orientationRecord(recordId, siren, overrides)]);
  t.ctx.clock.advanceMinutes(15);
  await t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
  return (await t.ctx.knex('funder_orientations').where({ record_id: recordId }).first('id')).id as string;
}
const orientation = (id: string) => t.ctx.knex('funder_orientations').where({ id }).first();

beforeAll(async () => {
  siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
  await insertAidTypes(t.ctx.knex);
  await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  // Amandine Lefèvre lives in a household of landlord A
  const person = await insertPerson(t.ctx.knex, { lastName: 'Lefèvre', firstNames: 'Amandine Claire', birthDate: '1986-04-12' });
  knownHousehold = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: person, relationship: 'holder' }] })).id;
});

describe('the follow-up of an orientation', () => {
  it('lets the landlord turn it into its own request for the matched household, the aid suggested by the needs, the ASD number kept', async () => {
    const id = await receive('FU-1');
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const page = $((await agent.get(`/orientations/${id}`)).text);
    expect(page(`#donner-suite input[name="householdId"][value="${knownHousehold}"]`).attr('checked')).toBeDefined();
    expect(page('#donner-suite select[name="aidTypeId"] option[selected]').attr('value')).toBe(aq);
    expect(page('#donner-suite input[name="suite"][value="aide"]').attr('checked')).toBeDefined();

    const res = await postForm(
      agent,
      `/orientations/${id}/suite`,
      { householdId: knownHousehold, suite: 'aide', aidTypeId: aq, version: '1' },
      `/orientations/${id}`,
    );
    expect(res.status).toBe(302);
    const requestId = (res.headers.location as string).split('/')[2]!;
    const request = await t.ctx.knex('aid_requests').where({ id: requestId }).first();
    expect(request).toMatchObject({
      household_id: knownHousehold,
      organisation_id: t.world.landlordA.id,
      status: 'draft',
      orientation_asd: expect.stringMatching(/^ASD-/) as string,
    });
    expect(await orientation(id)).toMatchObject({ status: 'transformee', aid_request_id: requestId, version: 2 });
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'funder_orientation', entity_id: id, action: 'transformed' });
    expect(audit).toHaveLength(1);
    expect((await agent.get(`/orientations/${id}`)).text).toContain('prise en charge par une');

    // once taken, a second follow-up is refused with a message, nothing created
    const again = await postForm(
      agent,
      `/orientations/${id}/suite`,
      { householdId: knownHousehold, suite: 'aide', aidTypeId: aq, version: '2' },
      `/orientations/${id}`,
    );
    expect(again.status).toBe(400);
    expect($(again.text)('.alert-danger, [role="alert"]').text()).toContain('n’est plus à traiter');
    expect(Number((await t.ctx.knex('aid_requests').where({ orientation_asd: request.orientation_asd }).count('* as n').first())?.n)).toBe(1);
  });

  it('creates the household from the prefilled form for a new person, then a support mission with the prefilled reason', async () => {
    const id = await receive('FU-2', {
      salarie: { civilite: 'M', nom: 'Nouveau', prenoms: 'Karim', date_naissance: '1979-02-03', telephone: '06 11 22 33 44' },
      logement: { bailleur_siren: siren, reference_bail: 'BAIL-77', adresse: '4 rue des Lilas', code_postal: '69008', commune: 'Lyon', loyer_centimes: 61250 },
      besoins: ['accompagnement_budget'],
    });
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const page = $((await agent.get(`/orientations/${id}`)).text);
    expect(page('#donner-suite').text()).toContain('Aucun ménage');
    expect(page('#donner-suite button[type="submit"]').length).toBe(0);

    const prefill = await agent.get(`/orientations/${id}/menage`);
    expect(prefill.status).toBe(302);
    expect(prefill.headers.location).toBe('/menages/nouveau');
    const form = $((await agent.get('/menages/nouveau')).text);
    expect(form('#lastName').attr('value')).toBe('Nouveau');
    expect(form('#birthDate').attr('value')).toBe('1979-02-03');
    expect(form('#postcode').attr('value')).toBe('69008');
    expect(form('#rent').attr('value')).toBe('612,50');
    expect(form('#organisationId option[selected]').attr('value')).toBe(t.world.landlordA.id);
    expect(form('input[name="retour"]').attr('value')).toBe(`/orientations/${id}`);

    // the operator completes what the orientation lacked and creates the household
    const values: Record<string, string> = {};
    form('form[action="/menages"] input, form[action="/menages"] select').each((_, el) => {
      const name = form(el).attr('name');
      if (!name || name === '_csrf') return;
      values[name] = form(el).is('select') ? (form(el).find('option[selected]').attr('value') ?? '') : (form(el).attr('value') ?? '');
    });
    const created = await postForm(agent, '/menages', { ...values, employmentStatus: 'private_employee' }, '/menages/nouveau');
    expect(created.status).toBe(302);
    const back = created.headers.location as string;
    expect(back).toMatch(new RegExp(`^/orientations/${id}\\?menage=[0-9a-f-]{36}#donner-suite$`));
    const householdId = /menage=([0-9a-f-]{36})/.exec(back)![1]!;
    expect((await t.ctx.knex('households').where({ id: householdId }).first()).organisation_id).toBe(t.world.landlordA.id);

    const chosen = $((await agent.get(back.replace('#donner-suite', ''))).text);
    expect(chosen(`#donner-suite input[name="householdId"][value="${householdId}"]`).attr('checked')).toBeDefined();
    expect(chosen('#donner-suite input[name="suite"][value="accompagnement"]').attr('checked')).toBeDefined();
    const reason = chosen('#donner-suite textarea[name="missionReason"]').text();
    expect(reason).toContain('accompagnement budgétaire');
    const budget = chosen('#donner-suite select[name="missionTypeId"] option[selected]').attr('value')!;
    expect(chosen('#donner-suite select[name="missionTypeId"] option[selected]').text()).toBe('Accompagnement budgétaire');

    const res = await postForm(
      agent,
      `/orientations/${id}/suite`,
      { householdId, suite: 'accompagnement', missionTypeId: budget, missionReason: reason, version: '1' },
      `/orientations/${id}`,
    );
    expect(res.status).toBe(302);
    const missionId = (res.headers.location as string).split('/')[2]!;
    const mission = await t.ctx.knex('missions').where({ id: missionId }).first();
    expect(mission).toMatchObject({ household_id: householdId, mission_type_id: budget, orientation_asd: expect.stringMatching(/^ASD-/) as string, reason });
    expect(await orientation(id)).toMatchObject({ status: 'transformee', mission_id: missionId });
  });

  it('lets the association prepare a request draft for the landlord, which files it', async () => {
    const id = await receive('FU-3');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await postForm(
      operator,
      `/orientations/${id}/suite`,
      { householdId: knownHousehold, suite: 'aide', aidTypeId: aq, version: '1' },
      `/orientations/${id}`,
    );
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/orientations/${id}`);
    const { aid_request_id: requestId } = await orientation(id);
    const draft = await t.ctx.knex('aid_requests').where({ id: requestId }).first();
    expect(draft).toMatchObject({ organisation_id: t.world.landlordA.id, status: 'draft', created_by: t.world.users.operator.id });
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect((await landlord.get(`/demandes/${requestId}`)).status).toBe(200);
  });

  it('keeps every value of a refused follow-up, with a French error; another landlord’s household is not a choice', async () => {
    const id = await receive('FU-4');
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const missing = await postForm(
      agent,
      `/orientations/${id}/suite`,
      { householdId: knownHousehold, suite: 'accompagnement', missionReason: 'Mon motif', version: '1' },
      `/orientations/${id}`,
    );
    expect(missing.status).toBe(400);
    const page = $(missing.text);
    expect(page('#donner-suite').text()).toContain('Choisissez le type d’accompagnement');
    expect(page('#donner-suite textarea[name="missionReason"]').text()).toBe('Mon motif');
    expect(page('#donner-suite input[name="suite"][value="accompagnement"]').attr('checked')).toBeDefined();

    const householdB = (await insertHousehold(t.ctx.knex, t.world.landlordB.id)).id;
    const foreign = await postForm(
      agent,
      `/orientations/${id}/suite`,
      { householdId: householdB, suite: 'aide', aidTypeId: aq, version: '1' },
      `/orientations/${id}`,
    );
    expect(foreign.status).toBe(400);
    expect($(foreign.text)('#donner-suite').text()).toContain('Choisissez le ménage de la personne orientée');
    expect(await orientation(id)).toMatchObject({ status: 'a_traiter', version: 1 });
  });

  it('is not found for another landlord, on the page, the prefilled form and the follow-up', async () => {
    const id = await receive('FU-5');
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get(`/orientations/${id}/menage`)).status).toBe(404);
    const res = await postForm(
      other,
      `/orientations/${id}/suite`,
      { householdId: knownHousehold, suite: 'aide', aidTypeId: aq, version: '1' },
      '/orientations',
    );
    expect(res.status).toBe(404);
    expect(await orientation(id)).toMatchObject({ status: 'a_traiter' });
  });
});
