import { insertAidTypes } from '../../seeds/demo';
import { insertRequest } from '../factories/request';
import { insertUser } from '../factories/user';
import { actorOf } from '../factories/payment';
import { acceptedMission, type MissionSetup, missionSetup, missionVersion } from '../factories/mission';
import { $, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Who sees what of a mission, through the pages: advisers their missions only (and the household
 * through them), landlords their households' missions in summary form, private notes for the
 * association only.
 */
const t = useWorld();
let setup: MissionSetup;
let missionA: string;
let otherAdviserId: string;
const PRIVATE = 'Conflit familial évoqué en confidence';
const SUMMARY = 'Budget reconstitué avec Madame Durand';

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  missionA = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
  const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
  await t.ctx.services.missions.recordSession(adviser, missionA, {
    heldOn: '2026-11-23',
    durationMinutes: 75,
    kind: 'home_visit',
    participants: 'Léa Durand',
    summary: SUMMARY,
    privateNotes: PRIVATE,
  });
  otherAdviserId = (await insertUser(t.ctx.knex, { organisationId: t.world.association.id, role: 'social_adviser', email: 'autre.conseillere@asso.test' })).id;
});

const agent = (email: string) => loginAs(t.ctx.app, email);

describe('a social adviser', () => {
  it('sees the missions assigned to them, with the household’s contacts, and nothing else', async () => {
    const me = await agent(t.world.users.social_adviser.email);
    const page = await me.get(`/accompagnement/${missionA}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('lea.durand@exemple.fr');
    expect(page.text).toContain('06 12 34 56 78');
    expect(page.text).toContain(PRIVATE);
    const list = await me.get('/accompagnement');
    expect($(list.text)('tbody a[href^="/accompagnement/"]').length).toBe(1);
  });

  it('reads the household of its mission (the read is traced), and no other household', async () => {
    const me = await agent(t.world.users.social_adviser.email);
    const page = await me.get(`/menages/${setup.householdA}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Durand');
    expect(page.text).not.toContain('Modifier le logement');
    expect(page.text).not.toContain(PRIVATE);
    const trace = await t.ctx.knex('access_events').where({ user_id: t.world.users.social_adviser.id, entity_type: 'household', entity_id: setup.householdA });
    expect(trace.length).toBeGreaterThan(0);
    // the list and the other households stay closed: a household is reached through its mission only
    expect((await me.get('/menages')).status).toBe(403);
    expect((await me.get(`/menages/${setup.householdB}`)).status).toBe(404);
    expect((await me.get('/menages/pas-un-identifiant')).status).toBe(404);
    expect((await me.get(`/menages/${setup.householdA}/modifier`)).status).toBe(403);
  });

  it('reads the aid request its mission is linked to, without the instruction tools, and no other request', async () => {
    await insertAidTypes(t.ctx.knex);
    const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    const make = (status: 'in_review' | 'submitted') =>
      insertRequest(t.ctx.knex, {
        organisationId: t.world.landlordA.id,
        householdId: setup.householdA,
        aidTypeId: aq,
        createdBy: t.world.users.instructorA.id,
        status,
      });
    const linked = await make('in_review');
    const other = await make('submitted');
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    await t.ctx.services.instruction.addNote(operator, linked, 'Note réservée aux chargés d’instruction');
    const mission = await t.ctx.services.missions.order(operator, {
      householdId: setup.householdA,
      missionTypeId: setup.types.flat,
      reason: 'Montage du dossier',
      requestId: linked,
      adviserId: t.world.users.social_adviser.id,
    });
    const me = await agent(t.world.users.social_adviser.email);
    expect((await me.get(`/accompagnement/${mission}`)).text).toContain(`href="/demandes/${linked}"`);
    const page = await me.get(`/demandes/${linked}`);
    expect(page.status).toBe(200);
    expect($(page.text)('#instruction')).toHaveLength(0);
    expect(page.text).not.toContain('Note réservée aux chargés d’instruction');
    expect($(page.text)('.breadcrumb a').first().attr('href')).toBe('/accompagnement');
    const household = await me.get(`/demandes/${linked}?onglet=menage`);
    expect(household.text).toContain(`href="/menages/${setup.householdA}"`);
    expect((await me.get(`/demandes/${linked}?onglet=historique`)).status).toBe(200);
    expect(await t.ctx.knex('access_events').where({ user_id: t.world.users.social_adviser.id, entity_type: 'aid_request', entity_id: linked })).toHaveLength(
      3,
    );
    // another request of the same household, the list, a bad id: closed; acting on the linked one: forbidden
    expect((await me.get(`/demandes/${other}`)).status).toBe(404);
    expect((await me.get('/demandes')).status).toBe(403);
    expect((await me.get('/demandes/pas-un-identifiant')).status).toBe(404);
    const take = await postForm(me, `/demandes/${linked}/attribuer`, { assignee: t.world.users.social_adviser.id, version: '1' }, `/accompagnement/${mission}`);
    expect(take.status).toBe(403);
  });

  it('does not reach another adviser’s mission, by list or by URL', async () => {
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const hers = await t.ctx.services.missions.order(operator, {
      householdId: setup.householdB,
      missionTypeId: setup.types.diag,
      reason: 'Autre',
      adviserId: otherAdviserId,
    });
    const me = await agent(t.world.users.social_adviser.email);
    expect((await me.get(`/accompagnement/${hers}`)).status).toBe(404);
    expect((await me.get(`/accompagnement/${hers}/bilan.pdf`)).status).toBe(404);
    const post = await postForm(
      me,
      `/accompagnement/${hers}/entretiens`,
      { heldOn: '23/11/2026', durationMinutes: '30', kind: 'phone', participants: 'x', summary: 'x' },
      `/accompagnement/${missionA}`,
    );
    expect(post.status).toBe(404);
    expect(await t.ctx.knex('mission_sessions').where({ mission_id: hers })).toHaveLength(0);
    expect((await me.get('/accompagnement')).text).not.toContain('Autre');
    // and cannot look at a colleague's calendar
    expect((await me.get(`/accompagnement/calendrier?conseiller=${otherAdviserId}`)).text).not.toContain('Autre');
  });
});

describe('a landlord', () => {
  it('follows its households’ missions in summary form: never a session summary nor a private note', async () => {
    const landlord = await agent(t.world.users.instructorA.email);
    const page = await landlord.get(`/accompagnement/${missionA}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Visite à domicile, 75 min');
    expect(page.text).not.toContain(SUMMARY);
    expect(page.text).not.toContain(PRIVATE);
    expect(page.text).not.toContain('Enregistrer un entretien');
    const household = await landlord.get(`/menages/${setup.householdA}`);
    expect(household.text).toContain('Accompagnement');
    expect(household.text).toContain('Visite à domicile, 75 min');
    expect(household.text).not.toContain(SUMMARY);
    expect(household.text).not.toContain(PRIVATE);
  });

  it('cannot act on a mission (the association runs it)', async () => {
    const landlord = await agent(t.world.users.adminA.email);
    const version = String(await missionVersion(t.ctx.knex, missionA));
    for (const action of ['entretiens', 'terminer', 'interrompre', 'rendez-vous', 'attribuer']) {
      expect((await postForm(landlord, `/accompagnement/${missionA}/${action}`, { version }, `/accompagnement/${missionA}`)).status).toBe(403);
    }
  });

  it('gets 404 for another landlord’s mission and household section', async () => {
    const other = await agent(t.world.users.adminB.email);
    expect((await other.get(`/accompagnement/${missionA}`)).status).toBe(404);
    expect((await other.get('/accompagnement')).text).not.toContain('Léa Durand');
    expect((await other.get(`/accompagnement/nouvelle?menage=${setup.householdA}`)).text).not.toContain(setup.householdA);
  });

  it('asks for a mission from its household page; the form keeps what was typed when it is rejected', async () => {
    const landlord = await agent(t.world.users.instructorA.email);
    const form = await landlord.get(`/accompagnement/nouvelle?menage=${setup.householdA}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Envoyer la demande');
    const rejected = await postForm(
      landlord,
      '/accompagnement/nouvelle',
      { householdId: setup.householdA, missionTypeId: '', reason: 'Madame ne parvient plus à payer' },
      `/accompagnement/nouvelle?menage=${setup.householdA}`,
    );
    expect(rejected.status).toBe(400);
    expect(fieldError(rejected.text, 'missionTypeId')).toBe('Choisissez un type d’accompagnement');
    expect($(rejected.text)('#reason').text()).toBe('Madame ne parvient plus à payer');
    const sent = await postForm(
      landlord,
      '/accompagnement/nouvelle',
      { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'Madame ne parvient plus à payer' },
      `/accompagnement/nouvelle?menage=${setup.householdA}`,
    );
    expect(sent.status).toBe(302);
    const created = await t.ctx.knex('missions').where({ reason: 'Madame ne parvient plus à payer' }).first();
    expect(created).toMatchObject({ origin: 'landlord', status: 'proposed', organisation_id: t.world.landlordA.id });
  });
});

describe('the association', () => {
  it('reads private notes on the mission page; the household page shows summaries but never private notes', async () => {
    const operator = await agent(t.world.users.operator.email);
    const page = await operator.get(`/accompagnement/${missionA}`);
    expect(page.text).toContain(PRIVATE);
    expect(page.text).toContain(SUMMARY);
    const household = await operator.get(`/menages/${setup.householdA}`);
    expect(household.text).toContain(SUMMARY);
    expect(household.text).not.toContain(PRIVATE);
    // the reading of a mission is traced, as any access to a household's personal data
    expect(await t.ctx.knex('access_events').where({ entity_type: 'mission', entity_id: missionA, user_id: t.world.users.operator.id })).not.toHaveLength(0);
  });

  it('keeps every typed value and puts each error next to its field when a session is rejected', async () => {
    const adviser = await agent(t.world.users.social_adviser.email);
    const res = await postForm(
      adviser,
      `/accompagnement/${missionA}/entretiens`,
      {
        heldOn: '31/12/2030',
        durationMinutes: '2 heures',
        kind: 'phone',
        participants: 'Léa Durand',
        summary: 'Appel de suivi',
        privateNotes: 'Rien à signaler',
      },
      `/accompagnement/${missionA}`,
    );
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'heldOn')).toMatch(/ne peut pas être dans le futur/);
    expect(fieldError(res.text, 'durationMinutes')).toMatch(/Saisissez une durée/);
    const page = $(res.text);
    expect(page('#participants').val()).toBe('Léa Durand');
    expect(page('#summary').text()).toBe('Appel de suivi');
    expect(page('#privateNotes').text()).toBe('Rien à signaler');
    expect(page('#kind option[selected]').val()).toBe('phone');
  });

  it('records the household’s agreement and the end of a mission through their forms, each error next to its field', async () => {
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const id = await t.ctx.services.missions.order(operator, {
      householdId: setup.householdA,
      missionTypeId: setup.types.diag,
      reason: 'Formulaires',
      adviserId: t.world.users.social_adviser.id,
    });
    const adviser = await agent(t.world.users.social_adviser.email);
    const page = `/accompagnement/${id}`;
    const none = await postForm(
      adviser,
      `${page}/accord`,
      {
        version: '1',
        consentDate: '23/11/2026',
        consentMethod: 'in_person',
        objective1Category: 'budget',
        objective1: '',
        objective2Category: '',
        objective2: 'Sans domaine',
      },
      page,
    );
    expect(none.status).toBe(400);
    expect(fieldError(none.text, 'objective2Category')).toBe('Choisissez le domaine de cet objectif');
    expect($(none.text)('#objective2').val()).toBe('Sans domaine');
    // a prototype key as a domain is no domain (it answered 500 when looked up through the prototype chain)
    const proto = await postForm(
      adviser,
      `${page}/accord`,
      { version: '1', consentDate: '23/11/2026', consentMethod: 'in_person', objective1Category: 'constructor', objective1: 'Tenir un budget' },
      page,
    );
    expect(proto.status).toBe(400);
    expect(fieldError(proto.text, 'objective1Category')).toBe('Choisissez le domaine de cet objectif');
    const ok = await postForm(
      adviser,
      `${page}/accord`,
      {
        version: '1',
        consentDate: '23/11/2026',
        consentMethod: 'in_person',
        objective1Category: 'budget',
        objective1: 'Tenir un budget',
        objective2Category: 'rights',
        objective2: 'Ouvrir les droits',
      },
      page,
    );
    expect(ok.status).toBe(302);
    await postForm(
      adviser,
      `${page}/entretiens`,
      { heldOn: '23/11/2026', durationMinutes: '1h', kind: 'office', participants: 'Léa Durand', summary: 'Premier entretien' },
      page,
    );
    const version = String(await missionVersion(t.ctx.knex, id));
    const missing = await postForm(adviser, `${page}/terminer`, { version, result1: 'reached', outcome: 'Bilan rédigé' }, page);
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Indiquez le résultat de chaque objectif (2)');
    expect($(missing.text)('#outcome').text()).toBe('Bilan rédigé');
    const odd = await postForm(adviser, `${page}/terminer`, { version, result1: 'reached', result2: 'peut-être', outcome: 'Bilan rédigé' }, page);
    expect(odd.status).toBe(400);
    expect(fieldError(odd.text, 'result2')).toBe('Choisissez un résultat');
    const proto2 = await postForm(adviser, `${page}/terminer`, { version, result1: 'reached', result2: 'constructor', outcome: 'Bilan rédigé' }, page);
    expect(proto2.status).toBe(400);
    expect(fieldError(proto2.text, 'result2')).toBe('Choisissez un résultat');
    const done = await postForm(adviser, `${page}/terminer`, { version, result1: 'reached', result2: 'partly', outcome: 'Bilan rédigé' }, page);
    expect(done.status).toBe(302);
    expect(await t.ctx.knex('missions').where({ id }).first()).toMatchObject({ status: 'completed', outcome: 'Bilan rédigé' });
    expect(await t.ctx.knex('mission_objectives').where({ mission_id: id }).orderBy('position').pluck('result')).toEqual(['reached', 'partly']);
  });

  it('lists billing lines per landlord and month for administrators, with CSV and XLSX exports', async () => {
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    await t.ctx.services.missions.complete(adviser, missionA, await missionVersion(t.ctx.knex, missionA), {
      results: { 1: 'reached', 2: 'not_reached' },
      outcome: 'Budget en place',
    });
    const admin = await agent(t.world.users.admin.email);
    const page = await admin.get('/accompagnement/facturation?periode=2026-11');
    expect(page.status).toBe(200);
    // 75 minutes at 45,00 €/h
    expect(page.text).toContain('56,25');
    const csv = await download(admin, '/accompagnement/facturation.csv?periode=2026-11');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const text = csv.body.toString('utf8');
    expect(text).toContain('Mois;Bailleur;Mission;Type;Statut;Facturation;Minutes;Tarif;Montant');
    expect(text).toMatch(/2026-11;Bailleur Alpha;M2026-\d{5};Diagnostic social;Terminée;Horaire;75;45,00;56,25/);
    const xlsx = await download(admin, '/accompagnement/facturation.xlsx');
    expect(xlsx.body.subarray(0, 2).toString()).toBe('PK');
    expect((await (await agent(t.world.users.operator.email)).get('/accompagnement/facturation')).status).toBe(403);
    // the landlord downloads the report
    const report = await download(await agent(t.world.users.adminA.email), `/accompagnement/${missionA}/bilan.pdf`);
    expect(report.status).toBe(200);
    expect(report.body.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('lets administrators configure mission types, with a clear error for a code already used', async () => {
    const admin = await agent(t.world.users.admin.email);
    const dup = await postForm(admin, '/admin/types-accompagnement/nouveau', {
      code: 'diag',
      label: 'Autre diagnostic',
      defaultMinutes: '4h',
      billingMode: 'hourly',
      rate: '45,00',
      active: 'on',
    });
    expect(dup.status).toBe(400);
    expect(fieldError(dup.text, 'code')).toBe('Ce code existe déjà');
    expect($(dup.text)('#label').val()).toBe('Autre diagnostic');
    const ok = await postForm(admin, '/admin/types-accompagnement/nouveau', {
      code: 'MEDIA',
      label: 'Médiation',
      defaultMinutes: '3h',
      billingMode: 'flat',
      rate: '180',
      active: 'on',
    });
    expect(ok.status).toBe(302);
    expect(await t.ctx.knex('mission_types').where({ code: 'MEDIA' }).first()).toMatchObject({ default_minutes: 180, billing_mode: 'flat', active: true });
    expect(Number((await t.ctx.knex('mission_types').where({ code: 'MEDIA' }).first()).rate_cents)).toBe(18000);
  });
});
