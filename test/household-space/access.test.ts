import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { acceptedMission, missionSetup } from '../factories/mission';
import { actorOf } from '../factories/payment';
import { loginAs, postForm, $ } from '../support/http';
import { householdAgent, mailedHouseholdCode, mailedLinkPath } from '../support/household';

let ctx: TestContext;
let world: World;
let aidTypeId: string;

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
  const [aid] = await ctx
    .knex('aid_types')
    .insert({ code: 'LOY', label: 'Aide au loyer', payees: ['landlord'] })
    .returning('id');
  aidTypeId = (aid as { id: string }).id;
});
afterAll(() => ctx.close());

let n = 0;
async function family(email: string | null = `menage${++n}@exemple.fr`) {
  const holder = await insertPerson(ctx.knex, { email, firstNames: 'Awa', lastName: `Diallo${n}` });
  const household = await insertHousehold(ctx.knex, world.landlordA.id, { members: [{ personId: holder }] });
  const requestId = await insertRequest(ctx.knex, {
    organisationId: world.landlordA.id,
    householdId: household.id,
    aidTypeId,
    createdBy: world.users.instructorA.id,
    status: 'in_review',
  });
  return { holder, householdId: household.id, requestId, email: email as string };
}

describe('the door of the household space', () => {
  it('opens with the personal link and the code mailed to the same address, and shows the household its own requests only', async () => {
    const mine = await family();
    const other = await family();
    const agent = await householdAgent(ctx, mine.holder);
    const home = await agent.get('/mon-espace');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Aide au loyer');
    expect(home.text).toContain('À l’étude');
    expect((await agent.get(`/mon-espace/demandes/${mine.requestId}`)).status).toBe(200);
    // another household's request: as if it did not exist
    const theirs = await agent.get(`/mon-espace/demandes/${other.requestId}`);
    expect(theirs.status).toBe(404);
    expect((await agent.get('/mon-espace/demandes/pas-un-id')).status).toBe(404);
    // every read traced
    const traces = await ctx.knex('household_access_events').where({ person_id: mine.holder }).select('action', 'entity_id');
    expect(traces).toEqual(expect.arrayContaining([{ action: 'household.request', entity_id: mine.requestId }]));
    expect(traces.map((t) => t.entity_id)).not.toContain(other.requestId);
    // the session opening is in the audit trail, without a staff author
    const audit = await ctx.knex('audit_events').where({ entity_id: mine.holder, action: 'household.session_opened' }).first('actor_user_id', 'actor_label');
    expect(audit).toEqual({ actor_user_id: null, actor_label: expect.stringContaining('Ménage') });
  });

  it('keeps the household cookie away from the extranet, and the extranet session away from the household space', async () => {
    const mine = await family();
    const agent = await householdAgent(ctx, mine.holder);
    const extranet = await agent.get('/demandes');
    expect(extranet.status).toBe(302);
    expect(extranet.headers.location).toBe('/connexion');
    const cookie = (await request(ctx.app).get('/mon-espace/acces')).headers['set-cookie'] as unknown as string[] | undefined;
    expect(String(cookie ?? '')).toContain('Path=/mon-espace');
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const refused = await operator.get('/mon-espace');
    expect(refused.status).toBe(302);
    expect(refused.headers.location).toBe('/mon-espace/acces');
  });

  it('refuses a wrong code with the tries left, and after five wrong codes wants a new code', async () => {
    const mine = await family();
    await ctx.services.householdSpace.access.issueFor(mine.holder, 'staff');
    const agent = request.agent(ctx.app);
    const link = await mailedLinkPath(ctx.knex, mine.email);
    await postForm(agent, `${link}/code`, {}, link);
    const right = await mailedHouseholdCode(ctx.knex, mine.email);
    const wrong = right === '000000' ? '111111' : '000000';
    const first = await postForm(agent, `${link}/verifier`, { accessCode: wrong }, link);
    expect(first.status).toBe(400);
    expect($(first.text)('#accessCode-error').text()).toContain('Il vous reste 4 essais');
    for (let i = 0; i < 4; i++) await postForm(agent, `${link}/verifier`, { accessCode: wrong }, link);
    const blocked = await postForm(agent, `${link}/verifier`, { accessCode: right }, link);
    expect(blocked.status).toBe(400);
    expect(blocked.text).toContain('Trop d’essais avec ce code');
    expect((await agent.get('/mon-espace')).headers.location).toBe('/mon-espace/acces');
  });

  it('refuses an expired code (10 minutes) and a code of another link', async () => {
    const mine = await family();
    await ctx.services.householdSpace.access.issueFor(mine.holder, 'staff');
    const agent = request.agent(ctx.app);
    const link = await mailedLinkPath(ctx.knex, mine.email);
    await postForm(agent, `${link}/code`, {}, link);
    const code = await mailedHouseholdCode(ctx.knex, mine.email);
    ctx.clock.advanceMinutes(11);
    try {
      const late = await postForm(agent, `${link}/verifier`, { accessCode: code }, link);
      expect(late.status).toBe(400);
      expect(late.text).toContain('Ce code a expiré');
    } finally {
      ctx.clock.advanceMinutes(-11);
    }
    // a second person's link and this person's code: refused
    const them = await family();
    await ctx.services.householdSpace.access.issueFor(them.holder, 'staff');
    const theirLink = await mailedLinkPath(ctx.knex, them.email);
    await postForm(agent, `${theirLink}/code`, {}, theirLink);
    await postForm(agent, `${link}/code`, {}, link);
    const myCode = await mailedHouseholdCode(ctx.knex, mine.email);
    const theirCode = await mailedHouseholdCode(ctx.knex, them.email);
    const crossed = await postForm(agent, `${theirLink}/verifier`, { accessCode: myCode }, theirLink);
    expect(crossed.status).toBe(myCode === theirCode ? 302 : 400);
  });

  it('ends a session after 30 minutes without a request', async () => {
    const mine = await family();
    const agent = await householdAgent(ctx, mine.holder);
    ctx.clock.advanceMinutes(31);
    try {
      const res = await agent.get('/mon-espace');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/mon-espace/acces');
    } finally {
      ctx.clock.advanceMinutes(-31);
    }
  });

  it('answers the same to a known and an unknown address, and sends at most three links an hour to a person', async () => {
    const mine = await family();
    const agent = request.agent(ctx.app);
    const known = await postForm(agent, '/mon-espace/acces', { email: mine.email.toUpperCase() });
    const unknown = await postForm(agent, '/mon-espace/acces', { email: 'personne@nulle-part.fr' });
    expect(known.status).toBe(302);
    expect(unknown.status).toBe(302);
    const knownPage = await agent.get(known.headers.location as string);
    expect(knownPage.text).toContain('Si cette adresse est connue');
    for (let i = 0; i < 4; i++) await postForm(agent, '/mon-espace/acces', { email: mine.email });
    const links = await ctx.knex('household_links').where({ person_id: mine.holder, reason: 'asked' }).count<{ count: string }[]>('* as count');
    expect(Number(links[0]?.count)).toBe(3);
    const bad = await postForm(agent, '/mon-espace/acces', { email: 'pas une adresse\u0000' });
    expect(bad.status).toBe(400);
  });

  it('ends an open session within a minute once its person has left the household, or its link was withdrawn', async () => {
    const leaving = await family();
    const agent = await householdAgent(ctx, leaving.holder);
    expect((await agent.get('/mon-espace')).status).toBe(200);
    await ctx.knex('household_members').where({ person_id: leaving.holder }).update({ to_date: '2026-11-22' });
    ctx.clock.advanceMinutes(2);
    try {
      const after = await agent.get(`/mon-espace/demandes/${leaving.requestId}`);
      expect(after.status).toBe(302);
      expect(after.headers.location).toBe('/mon-espace/acces');
      const withdrawn = await family();
      const other = await householdAgent(ctx, withdrawn.holder);
      await ctx.knex('household_links').where({ person_id: withdrawn.holder }).update({ revoked_at: ctx.clock.now() });
      ctx.clock.advanceMinutes(2);
      expect((await other.get('/mon-espace')).headers.location).toBe('/mon-espace/acces');
    } finally {
      ctx.clock.advanceMinutes(-4);
    }
  });

  it('a link opens nothing once its person has left the household', async () => {
    const mine = await family();
    await ctx.services.householdSpace.access.issueFor(mine.holder, 'staff');
    const link = await mailedLinkPath(ctx.knex, mine.email);
    await ctx.knex('household_members').where({ person_id: mine.holder }).update({ to_date: '2026-11-01' });
    expect((await request(ctx.app).get(link)).status).toBe(404);
  });

  it('records a GDPR request made from the space in the association’s register', async () => {
    const mine = await family();
    const agent = await householdAgent(ctx, mine.holder);
    const empty = await postForm(agent, '/mon-espace/mes-droits', { details: 'gardé' });
    expect(empty.status).toBe(400);
    expect($(empty.text)('#details').text()).toBe('gardé');
    const sent = await postForm(agent, '/mon-espace/mes-droits', { kind: 'access', details: 'Je veux une copie' });
    expect(sent.status).toBe(302);
    const row = await ctx.knex('rights_requests').where({ person_id: mine.holder }).first('kind', 'channel', 'created_by', 'due_on');
    expect(row).toEqual({ kind: 'access', channel: 'household_space', created_by: null, due_on: '2026-12-23' });
  });

  it('shows a mission’s objectives and the summaries the adviser shared, never an unshared summary nor the private notes', async () => {
    const setup = await missionSetup(ctx.services, ctx.knex, world);
    const missionId = await acceptedMission(ctx.services, ctx.knex, world, setup);
    const adviser = await actorOf(ctx.knex, world.users.social_adviser.id);
    const session = { heldOn: '2026-11-20', durationMinutes: 60, kind: 'home_visit', participants: 'Léa Durand' };
    await ctx.services.missions.recordSession(adviser, missionId, {
      ...session,
      summary: 'Budget établi ensemble',
      privateNotes: 'Note confidentielle',
      shareWithHousehold: true,
    });
    await ctx.services.missions.recordSession(adviser, missionId, { ...session, summary: 'Résumé gardé pour l’association' });
    const holder = await ctx.knex('household_members').where({ household_id: setup.householdA }).first<{ person_id: string }>('person_id');
    const agent = await householdAgent(ctx, holder.person_id);
    const page = await agent.get(`/mon-espace/accompagnements/${missionId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Établir un budget mensuel');
    expect(page.text).toContain('Budget établi ensemble');
    expect(page.text).not.toContain('Note confidentielle');
    expect(page.text).not.toContain('Résumé gardé pour l’association');
  });

  it('lets the landlord’s instructor send a member the link to the space (audited with their name), and refuses another landlord', async () => {
    const mine = await family();
    const memberId = (await ctx.knex('household_members').where({ person_id: mine.holder }).first<{ id: string }>('id')).id;
    const instructor = await loginAs(ctx.app, world.users.instructorA.email);
    const sent = await postForm(instructor, `/menages/${mine.householdId}/membres/${memberId}/lien-espace`, {}, `/menages/${mine.householdId}`);
    expect(sent.status).toBe(302);
    expect((await instructor.get(sent.headers.location as string)).text).toContain('Le lien de son espace a été envoyé');
    expect(await ctx.knex('mail_outbox').where({ to_address: mine.email, kind: 'household.link' }).count<{ n: string }[]>({ n: '*' })).toEqual([{ n: '1' }]);
    const audit = await ctx.knex('audit_events').where({ entity_id: mine.holder, action: 'household.link_sent_by_staff' }).first('actor_user_id');
    expect(audit).toEqual({ actor_user_id: world.users.instructorA.id });
    const other = await loginAs(ctx.app, world.users.adminB.email);
    const refused = await postForm(other, `/menages/${mine.householdId}/membres/${memberId}/lien-espace`, {}, '/mon-compte');
    expect(refused.status).toBe(404);
  });

  it('gives the person’s own reads from the space in their subject-access export', async () => {
    const mine = await family();
    const agent = await householdAgent(ctx, mine.holder);
    await agent.get(`/mon-espace/demandes/${mine.requestId}`);
    await postForm(agent, '/mon-espace/mes-droits', { kind: 'access' });
    const request = await ctx.knex('rights_requests').where({ person_id: mine.holder }).first<{ id: string }>('id');
    const admin = await actorOf(ctx.knex, world.users.admin.id);
    const exported = (await ctx.services.rights.exportData(admin, request.id)).body;
    expect(exported).toContain('La personne elle-même, depuis son espace');
    expect(exported).toContain('household.request');
  });

  it('sends the household its link when a mission is proposed to it', async () => {
    const mine = await family();
    // the mission types made by the test above
    const type = await ctx.knex('mission_types').where({ code: 'BUDGET' }).first<{ id: string }>('id');
    const operator = await actorOf(ctx.knex, world.users.operator.id);
    await ctx.services.missions.order(operator, { householdId: mine.householdId, missionTypeId: type.id, reason: 'Budget' });
    const mail = await ctx.knex('mail_outbox').where({ to_address: mine.email, kind: 'household.link' }).first('text_body');
    expect(mail?.text_body).toContain('Un accompagnement vous est proposé');
  });
});
