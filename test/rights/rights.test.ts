import { insertAidTypes } from '../../seeds/demo';
import { actorOf } from '../factories/payment';
import { acceptedMission, missionSetup, type MissionSetup } from '../factories/mission';
import { insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * GDPR rights (art. 12 to 21): the association's administrators keep a register of the requests
 * (deadline one month), answer them, and export everything held on a person — without other
 * members' data nor internal notes — each export audited and traced.
 */
const t = useWorld();
let setup: MissionSetup;
let holderId: string;
let requestId: string;
const PRIVATE = 'Dettes de jeu évoquées en confidence';
const SUMMARY = 'Budget mensuel construit ensemble';
const SPOUSE = 'Barnabé Quintal';

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  holderId = (await t.ctx.knex('household_members').where({ household_id: setup.householdA }).first('person_id')).person_id;
  const spouse = await insertPerson(t.ctx.knex, { lastName: 'Quintal', firstNames: 'Barnabé' });
  await t.ctx.knex('household_members').insert({ household_id: setup.householdA, person_id: spouse, relationship: 'spouse', from_date: '2024-01-01' });
  await insertAidTypes(t.ctx.knex);
  const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  requestId = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: setup.householdA,
    aidTypeId: aq,
    createdBy: t.world.users.instructorA.id,
    status: 'in_review',
  });
  await t.ctx
    .knex('aid_requests')
    .where({ id: requestId })
    .update({
      situation: JSON.stringify({
        rentCents: 61000,
        chargesCents: 9000,
        housingAllowanceCents: 20000,
        fixedChargesCents: 0,
        arrearsCents: 122000,
        arrearsMonths: 2,
        cause: 'job_loss',
        causeComment: null,
        chargesIncreaseMonthlyCents: 0,
        chargesRegularisationCents: 0,
        members: [
          { personId: holderId, name: 'Léa Durand', employmentStatus: 'unemployed', resourcesCents: 98000 },
          { personId: spouse, name: SPOUSE, employmentStatus: 'employed', resourcesCents: 143000 },
        ],
      }),
    });
  // a file the landlord sent before choosing its type: waiting to be classified, it is the person's data too
  const [blob] = await t.ctx
    .knex('blobs')
    .insert({ content_type: 'application/pdf', size: 4, sha256: '0'.repeat(64), data: Buffer.from('%PDF') })
    .returning('id');
  await t.ctx
    .knex('request_uploads')
    .insert({ request_id: requestId, blob_id: blob.id, filename: 'releve-caf.pdf', uploaded_by: t.world.users.instructorA.id });
  const mission = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
  const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
  await t.ctx.services.missions.recordSession(adviser, mission, {
    heldOn: '2026-11-23',
    durationMinutes: 60,
    kind: 'office',
    participants: 'Léa Durand',
    summary: SUMMARY,
    privateNotes: PRIVATE,
  });
  // the operator reads the household: a trace the person will see (organisation and date)
  const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  expect((await operator.get(`/menages/${setup.householdA}`)).status).toBe(200);
});

describe('the register of rights requests', () => {
  it('records a request from the household page, each error next to its field and every value kept; the answer is due in one month', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const household = await admin.get(`/menages/${setup.householdA}`);
    expect($(household.text)(`a[href="/admin/droits/nouvelle?personne=${holderId}"]`)).toHaveLength(1);
    const form = await admin.get(`/admin/droits/nouvelle?personne=${holderId}`);
    expect(form.text).toContain('Léa Durand');

    const bad = await postForm(
      admin,
      '/admin/droits',
      { personId: holderId, kind: '', receivedOn: '31/12/2026', channel: 'mail', requester: 'Sa fille, mandatée', details: 'Copie de tout le dossier' },
      `/admin/droits/nouvelle?personne=${holderId}`,
    );
    expect(bad.status).toBe(400);
    expect(fieldError(bad.text, 'kind')).toBe('Choisissez le droit exercé');
    expect(fieldError(bad.text, 'receivedOn')).toBe('La date de réception ne peut pas être dans le futur');
    expect($(bad.text)('#requester').val()).toBe('Sa fille, mandatée');
    expect($(bad.text)('#details').text()).toBe('Copie de tout le dossier');
    expect(bad.text).toContain('Léa Durand');

    const ok = await postForm(
      admin,
      '/admin/droits',
      { personId: holderId, kind: 'access', receivedOn: '20/11/2026', channel: 'mail', requester: 'La personne elle-même' },
      `/admin/droits/nouvelle?personne=${holderId}`,
    );
    expect(ok.status).toBe(302);
    const row = await t.ctx.knex('rights_requests').where({ person_id: holderId }).first();
    expect(ok.headers.location).toBe(`/admin/droits/${row.id}`);
    expect(new Date(row.due_on).toISOString().slice(0, 10)).toBe('2026-12-20');
    expect(await t.ctx.knex('audit_events').where({ entity_id: row.id, action: 'rights.request_recorded' })).toHaveLength(1);
    const register = await admin.get('/admin/droits');
    expect(register.text).toContain('Léa Durand');
    expect($(register.text)('tbody').text()).toContain('À traiter');
  });

  it('exports everything held on the person as JSON: their part of each situation, the missions without private notes, who consulted them — never another member’s data', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const row = await t.ctx.knex('rights_requests').where({ person_id: holderId }).first();
    const file = await download(admin, `/admin/droits/${row.id}/donnees.json`);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/^attachment;/);
    const text = file.body.toString('utf8');
    const data = JSON.parse(text);
    expect(data.personne).toMatchObject({ nom: 'Durand', prenoms: 'Léa', courriel: 'lea.durand@exemple.fr' });
    expect(data.foyers).toHaveLength(1);
    expect(data.foyers[0]).toMatchObject({ bailleur: 'Bailleur Alpha', lien: 'holder' });
    expect(data.demandes_d_aide).toHaveLength(1);
    expect(data.demandes_d_aide[0].situation).toMatchObject({
      loyer_euros: '610.00',
      impayes_euros: '1220.00',
      vos_ressources_euros: '980.00',
      autres_membres: 1,
    });
    expect(data.demandes_d_aide[0].pieces_a_classer).toEqual([expect.objectContaining({ fichier: 'releve-caf.pdf' })]);
    expect(data.accompagnements[0].entretiens[0]).toMatchObject({ resume: SUMMARY, duree_minutes: 60 });
    expect(data.accompagnements[0].objectifs).toHaveLength(2);
    expect(
      data.consultations.traces.some((c: { organisation: string; objet: string }) => c.organisation === 'Association Test' && c.objet === 'household'),
    ).toBe(true);
    expect(data.demandes_d_exercice_des_droits).toEqual([expect.objectContaining({ droit: 'access', recue_le: '2026-11-20', echeance: '2026-12-20' })]);
    expect(data.exclusions.length).toBeGreaterThan(0);
    // nothing of the spouse, nothing of the private notes
    expect(text).not.toContain('Quintal');
    expect(text).not.toContain('1430.00');
    expect(text).not.toContain(PRIVATE);
    expect(await t.ctx.knex('audit_events').where({ entity_id: row.id, action: 'rights.data_exported' })).toHaveLength(1);
    expect(
      await t.ctx.knex('access_events').where({ entity_type: 'person', entity_id: holderId, action: 'person.export', user_id: t.world.users.admin.id }),
    ).toHaveLength(1);
  });

  it('records the answer once, with its date (not before the request, not in the future), and flags requests past their deadline', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const row = await t.ctx.knex('rights_requests').where({ person_id: holderId }).first();
    const page = `/admin/droits/${row.id}`;
    const early = await postForm(admin, `${page}/reponse`, { answeredOn: '19/11/2026', answer: 'Données envoyées', version: String(row.version) }, page);
    expect(early.status).toBe(400);
    expect(fieldError(early.text, 'answeredOn')).toBe('La réponse ne peut pas précéder la réception de la demande');
    expect($(early.text)('#answer').text()).toBe('Données envoyées');
    const empty = await postForm(admin, `${page}/reponse`, { answeredOn: '23/11/2026', answer: '', version: String(row.version) }, page);
    expect(fieldError(empty.text, 'answer')).toContain('Résumez la réponse');
    const ok = await postForm(
      admin,
      `${page}/reponse`,
      { answeredOn: '23/11/2026', answer: 'Export JSON remis en main propre', version: String(row.version) },
      page,
    );
    expect(ok.status).toBe(302);
    expect(await t.ctx.knex('rights_requests').where({ id: row.id }).first()).toMatchObject({ answer: 'Export JSON remis en main propre' });
    expect(await t.ctx.knex('audit_events').where({ entity_id: row.id, action: 'rights.request_answered' })).toHaveLength(1);
    const shown = await admin.get(page);
    expect(shown.text).toContain('Export JSON remis en main propre');
    expect($(shown.text)('#repondre')).toHaveLength(0);

    // an old request left unanswered is flagged
    await postForm(
      admin,
      '/admin/droits',
      { personId: holderId, kind: 'rectification', receivedOn: '01/09/2026', channel: 'landlord', requester: 'Le bailleur, pour la locataire' },
      `/admin/droits/nouvelle?personne=${holderId}`,
    );
    const register = $((await admin.get('/admin/droits')).text);
    // a rectification leads to the person's form
    const rectification = await t.ctx.knex('rights_requests').where({ kind: 'rectification' }).first('id');
    expect($((await admin.get(`/admin/droits/${rectification.id}`)).text)(`a[href="/personnes/${holderId}/modifier"]`)).toHaveLength(1);
    expect(register('tbody tr').first().text()).toContain('En retard');
    expect(register('tbody tr').first().text()).toContain('Rectification');
  });

  it('is for the association’s administrators only', async () => {
    const row = await t.ctx.knex('rights_requests').where({ person_id: holderId }).first();
    for (const key of ['operator', 'social_adviser', 'adminA', 'instructorA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect((await agent.get('/admin/droits')).status).toBe(403);
      expect((await agent.get(`/admin/droits/${row.id}/donnees.json`)).status).toBe(403);
      expect($((await agent.get(`/menages/${setup.householdA}`)).text)('a[href^="/admin/droits/nouvelle"]')).toHaveLength(0);
    }
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect((await admin.get('/admin/droits/pas-un-identifiant')).status).toBe(404);
    expect((await admin.get('/admin/droits/00000000-0000-0000-0000-000000000000/donnees.json')).status).toBe(404);
  });
});
