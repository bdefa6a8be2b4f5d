import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, type Agent, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The rules of the GDPR rights register beyond the main journey: the deadline is one calendar
 * month (the month's last day when it has no such date), late only once past; every field checked
 * in French; open requests first by deadline; one answer, dated between receipt and today, its
 * lateness audited; and the subject export holds the person's own households at every landlord,
 * and nobody else's requests, notes, history or traces.
 */
const t = useWorld();
const people: Record<'ines' | 'hugo' | 'alone', string> = { ines: '', hugo: '', alone: '' };
const refs: Record<'ra' | 'rb' | 'rc', string> = { ra: '', rb: '', rc: '' };
const homes: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
const NOTE = 'Soupçon de fraude évoqué en comité';
const MESSAGE = 'Le justificatif de ressources est bien arrivé';

const admin = () => loginAs(t.ctx.app, t.world.users.admin.email);
const newForm = (personId: string) => `/admin/droits/nouvelle?personne=${personId}`;
async function record(agent: Agent, personId: string, fields: Record<string, string>) {
  return postForm(agent, '/admin/droits', { personId, kind: 'access', channel: 'mail', requester: 'La personne elle-même', ...fields }, newForm(personId));
}
const rowOf = (id: string) => t.ctx.knex('rights_requests').where({ id }).first();
const idFrom = (location: string) => location.split('/').pop() as string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  const aq = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
  people.ines = await insertPerson(t.ctx.knex, { lastName: 'Ferrand', firstNames: 'Inès', email: 'ines.ferrand@exemple.fr' });
  people.hugo = await insertPerson(t.ctx.knex, { lastName: 'Quesnel', firstNames: 'Hugo' });
  people.alone = await insertPerson(t.ctx.knex, { lastName: 'Seul', firstNames: 'Noé' });
  // Inès lived at landlord A until June 2024, then at landlord B; Hugo is another tenant of landlord A
  homes.a = (
    await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
      tenancyReference: 'ALPHA-1',
      members: [{ personId: people.ines, fromDate: '2019-03-01', toDate: '2024-06-30' }],
    })
  ).id;
  homes.b = (
    await insertHousehold(t.ctx.knex, t.world.landlordB.id, { tenancyReference: 'BETA-7', members: [{ personId: people.ines, fromDate: '2024-07-01' }] })
  ).id;
  homes.c = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { tenancyReference: 'ALPHA-2', members: [{ personId: people.hugo }] })).id;
  const ra = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: homes.a,
    aidTypeId: aq,
    createdBy: t.world.users.instructorA.id,
    status: 'closed',
  });
  const rb = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordB.id,
    householdId: homes.b,
    aidTypeId: aq,
    createdBy: t.world.users.instructorB.id,
    status: 'in_review',
  });
  const rc = await insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId: homes.c,
    aidTypeId: aq,
    createdBy: t.world.users.instructorA.id,
    status: 'submitted',
  });
  for (const [key, id] of [
    ['ra', ra],
    ['rb', rb],
    ['rc', rc],
  ] as const)
    refs[key] = (await t.ctx.knex('aid_requests').where({ id }).first('reference')).reference;
  await t.ctx.knex('request_events').insert([
    { request_id: rb, occurred_at: TEST_NOW, actor_label: 'Opératrice', kind: 'message', visibility: 'shared', message: MESSAGE },
    { request_id: rb, occurred_at: TEST_NOW, actor_label: 'Opératrice', kind: 'note', visibility: 'internal', message: NOTE },
  ]);
  const system = { userId: null, name: 'Test' };
  await t.ctx.knex.transaction(async (trx) => {
    await t.ctx.services.audit.record(trx, system, {
      entityType: 'person',
      entityId: people.ines,
      organisationId: t.world.landlordB.id,
      action: 'person.updated',
      before: { phone: null },
      after: { phone: '0601020304' },
    });
    await t.ctx.services.audit.record(trx, system, {
      entityType: 'person',
      entityId: people.hugo,
      organisationId: t.world.landlordA.id,
      action: 'person.updated',
      before: { phone: null },
      after: { phone: '0709080706' },
    });
  });
  // landlord B read Inès's household; the operator read Hugo's
  await t.ctx.knex('access_events').insert([
    {
      user_id: t.world.users.adminB.id,
      organisation_id: t.world.landlordB.id,
      action: 'household.view',
      entity_type: 'household',
      entity_id: homes.b,
      occurred_at: TEST_NOW,
    },
    {
      user_id: t.world.users.operator.id,
      organisation_id: t.world.association.id,
      action: 'household.view',
      entity_type: 'household',
      entity_id: homes.c,
      occurred_at: TEST_NOW,
    },
  ]);
});

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('recording a request', () => {
  it('checks every field in French and records nothing while one is wrong', async () => {
    const agent = await admin();
    const before = await t.ctx.knex('rights_requests').count('* as n');
    const bad = await postForm(
      agent,
      '/admin/droits',
      { personId: people.ines, kind: 'access', receivedOn: '31/02/2026', channel: '', requester: ' ', details: 'x'.repeat(2001) },
      newForm(people.ines),
    );
    expect(bad.status).toBe(400);
    expect(fieldError(bad.text, 'receivedOn')).toBe('Saisissez une date valide, par exemple 31/12/2026');
    expect(fieldError(bad.text, 'channel')).toBe('Choisissez comment la demande est arrivée');
    expect(fieldError(bad.text, 'requester')).toBe('Indiquez qui fait la demande (la personne, son représentant…)');
    expect(fieldError(bad.text, 'details')).toBe('Ce champ ne doit pas dépasser 2000 caractères');
    expect($(bad.text)('main').text()).toContain('Inès Ferrand');

    const nobody = await record(agent, '00000000-0000-4000-8000-000000000000', { receivedOn: '20/11/2026' });
    expect(nobody.status).toBe(400);
    expect(fieldError(nobody.text, 'personId')).toBe('Cette personne n’existe pas');
    const missing = await record(agent, '', { receivedOn: '20/11/2026' });
    expect(fieldError(missing.text, 'personId')).toBe('Choisissez la personne concernée');
    // without a person the form says where to start from, and cannot be sent
    const page = $((await agent.get('/admin/droits/nouvelle')).text);
    expect(page('.alert-warning').text()).toContain('Choisissez la personne depuis la fiche de son ménage');
    expect(page('form[action="/admin/droits"] button[type="submit"]').attr('disabled')).toBeDefined();
    expect(await t.ctx.knex('rights_requests').count('* as n')).toEqual(before);
  });

  it('sets the answer one calendar month after receipt, on the month’s last day when that date does not exist; late only once the deadline has passed', async () => {
    const agent = await admin();
    const cases: Array<[string, string, boolean]> = [
      ['31/01/2026', '2026-02-28', true],
      ['31/08/2026', '2026-09-30', true],
      ['23/10/2026', '2026-11-23', false], // due today: not late yet
      ['21/11/2026', '2026-12-21', false],
    ];
    for (const [receivedOn, due, late] of cases) {
      const res = await record(agent, people.alone, { receivedOn, kind: 'erasure' });
      expect(res.status).toBe(302);
      const row = await rowOf(idFrom(res.headers.location as string));
      expect({ receivedOn, due: new Date(row.due_on).toISOString().slice(0, 10) }).toEqual({ receivedOn, due });
      const shown = $((await agent.get(res.headers.location as string)).text);
      const dueLine = shown('dt')
        .filter((_i, dt) => shown(dt).text() === 'Réponse due le')
        .next('dd')
        .text();
      expect({ receivedOn, dueLine, late: dueLine.includes('En retard') }).toEqual({
        receivedOn,
        dueLine: expect.stringContaining(due.split('-').reverse().join('/')),
        late,
      });
    }
  });

  it('lists the open requests first, the nearest deadline first, then the answered ones', async () => {
    const agent = await admin();
    const register = $((await agent.get('/admin/droits')).text);
    const dues = register('tbody tr')
      .map((_i, tr) => register(tr).find('td').eq(3).text().trim().slice(0, 10))
      .get();
    expect(dues).toEqual(['28/02/2026', '30/09/2026', '23/11/2026', '21/12/2026']);
    expect(register('tbody tr').eq(0).text()).toContain('Effacement (art. 17)');
    expect(register('tbody tr .badge.text-bg-danger')).toHaveLength(2);
  });
});

describe('answering a request', () => {
  it('takes one answer, not dated in the future, and audits whether it came late; a second answer or a stale form is refused', async () => {
    const agent = await admin();
    const late = await t.ctx.knex('rights_requests').where({ person_id: people.alone, due_on: '2026-02-28' }).first();
    const page = `/admin/droits/${late.id}`;
    const future = await postForm(agent, `${page}/reponse`, { answeredOn: '24/11/2026', answer: 'Données effacées', version: String(late.version) }, page);
    expect(future.status).toBe(400);
    expect(fieldError(future.text, 'answeredOn')).toBe('La date de réponse ne peut pas être dans le futur');

    const stale = await postForm(agent, `${page}/reponse`, { answeredOn: '23/11/2026', answer: 'Données effacées', version: String(late.version + 1) }, page);
    expect(stale.status).toBe(400);
    expect($(stale.text)('.error-summary').text()).toContain('modifiée par quelqu');

    const ok = await postForm(
      agent,
      `${page}/reponse`,
      { answeredOn: '23/11/2026', answer: 'Données effacées sauf les pièces comptables', version: String(late.version) },
      page,
    );
    expect(ok.status).toBe(302);
    expect(await t.ctx.knex('audit_events').where({ entity_id: late.id, action: 'rights.request_answered' }).first()).toMatchObject({
      after: { answeredOn: '2026-11-23', late: true },
      actor_user_id: t.world.users.admin.id,
    });

    const again = await postForm(
      agent,
      `${page}/reponse`,
      { answeredOn: '23/11/2026', answer: 'Autre réponse', version: String(late.version + 1) },
      '/admin/droits',
    );
    expect(again.status).toBe(400);
    expect(await rowOf(late.id)).toMatchObject({ answer: 'Données effacées sauf les pièces comptables' });
    expect(await t.ctx.knex('audit_events').where({ entity_id: late.id, action: 'rights.request_answered' })).toHaveLength(1);

    // on time: audited as not late; the answered ones go to the end of the register, the latest answer first
    const onTime = await t.ctx.knex('rights_requests').where({ person_id: people.alone, due_on: '2026-12-21' }).first();
    expect(
      (
        await postForm(
          agent,
          `/admin/droits/${onTime.id}/reponse`,
          { answeredOn: '22/11/2026', answer: 'Copie envoyée', version: String(onTime.version) },
          `/admin/droits/${onTime.id}`,
        )
      ).status,
    ).toBe(302);
    expect(await t.ctx.knex('audit_events').where({ entity_id: onTime.id, action: 'rights.request_answered' }).first()).toMatchObject({
      after: { late: false },
    });
    const register = $((await agent.get('/admin/droits')).text);
    const answers = register('tbody tr')
      .map((_i, tr) => register(tr).find('td').eq(4).text().trim())
      .get();
    expect(answers).toEqual(['À traiter', 'À traiter', 'le 23/11/2026', 'le 22/11/2026']);
  });
});

describe('the export of a person’s data', () => {
  it('holds the person’s households at every landlord and their requests and exchanges, and none of another tenant’s requests, internal notes, history or traces', async () => {
    const agent = await admin();
    const res = await record(agent, people.ines, { receivedOn: '20/11/2026', kind: 'portability', channel: 'email' });
    const id = idFrom(res.headers.location as string);
    const file = await download(agent, `/admin/droits/${id}/donnees.json`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^application\/json/);
    const text = file.body.toString('utf8');
    const data = JSON.parse(text);
    expect(data).toMatchObject({
      format: 'entraide-export-personne/1',
      genere_le: TEST_NOW.toISOString(),
      responsable_du_traitement: { nom: 'Association Test' },
    });
    expect(data.personne).toMatchObject({ nom: 'Ferrand', prenoms: 'Inès', courriel: 'ines.ferrand@exemple.fr' });
    expect(
      data.foyers.map((f: { bailleur: string; reference_du_bail: string; du: string; au: string | null }) => [f.bailleur, f.reference_du_bail, f.du, f.au]),
    ).toEqual([
      ['Bailleur Alpha', 'ALPHA-1', '2019-03-01', '2024-06-30'],
      ['Bailleur Bêta', 'BETA-7', '2024-07-01', null],
    ]);
    expect(data.demandes_d_aide.map((r: { reference: string }) => r.reference).sort()).toEqual([refs.ra, refs.rb].sort());
    const rb = data.demandes_d_aide.find((r: { reference: string }) => r.reference === refs.rb);
    expect(rb.echanges).toEqual([expect.objectContaining({ type: 'message', message: MESSAGE })]);
    expect(data.historique_des_modifications).toEqual([expect.objectContaining({ action: 'person.updated', apres: { phone: '0601020304' } })]);
    expect(data.consultations.traces).toEqual([expect.objectContaining({ organisation: 'Bailleur Bêta', objet: 'household', action: 'household.view' })]);
    expect(data.demandes_d_exercice_des_droits).toEqual([
      expect.objectContaining({ droit: 'portability', canal: 'email', recue_le: '2026-11-20', echeance: '2026-12-20', repondue_le: null }),
    ]);
    // nothing of Hugo's file, nothing internal
    for (const absent of [refs.rc, 'Quesnel', 'ALPHA-2', NOTE, '0709080706'])
      expect({ absent, found: text.includes(absent) }).toEqual({ absent, found: false });
  });

  it('of a person known nowhere else is their identity and the register alone; the file is named after the Paris day', async () => {
    t.ctx.clock.set(new Date('2026-12-31T23:30:00Z'));
    const agent = await admin();
    const id = (await t.ctx.knex('rights_requests').where({ person_id: people.alone }).first('id')).id as string;
    const file = await download(agent, `/admin/droits/${id}/donnees.json`);
    expect(file.headers['content-disposition']).toContain('donnees-personnelles-2027-01-01.json');
    const data = JSON.parse(file.body.toString('utf8'));
    expect(data.personne).toMatchObject({ nom: 'Seul', prenoms: 'Noé' });
    expect({ foyers: data.foyers, demandes: data.demandes_d_aide, accompagnements: data.accompagnements }).toEqual({
      foyers: [],
      demandes: [],
      accompagnements: [],
    });
    // the only reads of this person are the association's, opening their register entries (each opening is traced)
    const openings = await t.ctx.knex('access_events').where({ entity_type: 'person', entity_id: people.alone, action: 'rights.view' });
    expect(openings.length).toBeGreaterThan(0);
    expect(data.consultations.traces).toEqual(
      openings.map(() => expect.objectContaining({ organisation: 'Association Test', objet: 'person', action: 'rights.view' })),
    );
    expect(data.demandes_d_exercice_des_droits).toHaveLength(4);
    expect(await t.ctx.knex('access_events').where({ entity_type: 'person', entity_id: people.alone, action: 'person.export' })).toHaveLength(1);
  });
});
