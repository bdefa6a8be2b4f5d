import request from 'supertest';
import { insertHousehold, insertPerson } from '../factories/household';
import { type MissionSetup, missionSetup } from '../factories/mission';
import { TEST_NOW } from '../support/app';
import { householdAgent } from '../support/household';
import { $, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { ANSWERS, completedMission, mailedTokens } from './fixtures';

/**
 * The questionnaires in the household's space: listed for the logged-in household (its own only),
 * answered from there once, the answer as anonymous as through the mailed link.
 */
const t = useWorld();
let setup: MissionSetup;
let holderA: string;
let surveyIds: string[];
// one household session for the file: the code mails of one minute could not be told apart
let agentA: Awaited<ReturnType<typeof householdAgent>>;

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  holderA = (await t.ctx.knex('household_members').where({ household_id: setup.householdA }).first('person_id')).person_id;
  t.ctx.clock.set(TEST_NOW);
  await completedMission(t.ctx, t.world, setup);
  await completedMission(t.ctx, t.world, setup, setup.types.budget);
  t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
  await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
  surveyIds = (await t.ctx.knex('satisfaction_invitations').where({ household_id: setup.householdA }).orderBy('id')).map((r) => r.id as string);
  expect(surveyIds).toHaveLength(2);
  t.ctx.clock.set(new Date('2026-11-25T09:00:00Z'));
  agentA = await householdAgent(t.ctx, holderA);
});
beforeEach(() => t.ctx.clock.set(new Date('2026-11-25T09:00:00Z')));

describe('the list of questionnaires', () => {
  it('sends whoever has no household session to the access page', async () => {
    const res = await request(t.ctx.app).get('/mon-espace/questionnaires');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/mon-espace/acces');
    expect((await request(t.ctx.app).get(`/mon-espace/questionnaires/a-remplir/${surveyIds[0]}`)).headers.location).toBe('/mon-espace/acces');
  });

  it('lists the household’s questionnaires with a large button to answer, and traces the read', async () => {
    const agent = agentA;
    const res = await agent.get('/mon-espace/questionnaires');
    expect(res.status).toBe(200);
    const html = $(res.text);
    expect(html('#surveys li')).toHaveLength(2);
    expect(html('#surveys').text()).toContain('Votre accompagnement « Diagnostic social »');
    expect(
      html('#surveys a.btn-lg')
        .map((_i, a) => html(a).attr('href'))
        .get()
        .sort(),
    ).toEqual(surveyIds.map((id) => `/mon-espace/questionnaires/a-remplir/${id}`).sort());
    expect(await t.ctx.knex('household_access_events').where({ person_id: holderA, action: 'household.surveys' })).toHaveLength(1);
  });
});

describe('answering from the space', () => {
  it('stores the answer once, audited as the household, and the list then says it is done', async () => {
    const agent = agentA;
    const path = `/mon-espace/questionnaires/a-remplir/${surveyIds[0]}`;
    const form = $((await agent.get(path)).text);
    expect(form('main form').attr('action')).toBe(path);

    const rejected = await postForm(agent, path, { accueil: '2', commentaire: 'À moitié' });
    expect(rejected.status).toBe(400);
    expect($(rejected.text)('input[name=accueil]:checked').val()).toBe('2');
    expect($(rejected.text)('textarea#commentaire').text()).toBe('À moitié');

    const res = await postForm(agent, path, { ...ANSWERS, commentaire: 'Bien' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${path}?merci=1`);
    const invitation = await t.ctx.knex('satisfaction_invitations').where({ id: surveyIds[0] }).first();
    expect(invitation.answered_at).not.toBeNull();
    const audit = await t.ctx.knex('audit_events').where({ entity_id: surveyIds[0], action: 'satisfaction.answered' }).first();
    expect(audit.actor_label).toMatch(/^Ménage — /);

    expect((await postForm(agent, path, { ...ANSWERS })).status).toBe(303);
    expect($((await agent.get(path)).text)('#survey-already').text()).toBe('Merci, vous avez déjà répondu à ce questionnaire.');
    expect(await t.ctx.knex('satisfaction_answers')).toHaveLength(1);

    const list = $((await agent.get('/mon-espace/questionnaires')).text);
    expect(list('#surveys').text()).toContain('Vous avez répondu. Merci !');
    expect(list('#surveys a.btn-lg')).toHaveLength(1);
  });

  it('says « déjà répondu » in the space for a questionnaire answered through the mailed link', async () => {
    const open = await t.ctx.knex('satisfaction_invitations').where({ household_id: setup.householdA }).whereNull('answered_at').first();
    const tokens = await mailedTokens(t.ctx.knex);
    // every link answered (the one answered from the space says « already »)
    const outcomes = [];
    for (const token of tokens)
      outcomes.push(await t.ctx.services.satisfaction.answerByToken(token, { scores: { accueil: 3, ecoute: 3, clarte: 3, utilite: 3 }, comment: null }));
    expect(outcomes.sort()).toEqual(['already', 'stored']);
    const agent = agentA;
    expect($((await agent.get(`/mon-espace/questionnaires/a-remplir/${open.id}`)).text)('#survey-already')).toHaveLength(1);
  });

  it('answers 404 to another household, and to an id that is not one', async () => {
    const personB = await insertPerson(t.ctx.knex, { lastName: 'Bernard', firstNames: 'Nina', email: 'nina.bernard@exemple.fr' });
    await insertHousehold(t.ctx.knex, t.world.landlordB.id, { members: [{ personId: personB, relationship: 'holder' }] });
    const agent = await householdAgent(t.ctx, personB);
    const list = $((await agent.get('/mon-espace/questionnaires')).text);
    expect(list('#surveys')).toHaveLength(0);
    expect(list('main').text()).toContain('Vous n’avez aucun questionnaire pour l’instant.');
    expect((await agent.get(`/mon-espace/questionnaires/a-remplir/${surveyIds[1]}`)).status).toBe(404);
    expect((await postForm(agent, `/mon-espace/questionnaires/a-remplir/${surveyIds[1]}`, { ...ANSWERS }, '/mon-espace/questionnaires')).status).toBe(404);
    for (const id of ['pas-un-id', '00000000-0000-0000-0000-000000000000', '%00'])
      expect((await agent.get(`/mon-espace/questionnaires/a-remplir/${id}`)).status).toBeLessThan(500);
    expect((await agent.get('/mon-espace/questionnaires/a-remplir/pas-un-id')).status).toBe(404);
  });
});
