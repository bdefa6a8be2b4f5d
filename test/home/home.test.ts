import { insertAidTypes } from '../../seeds/demo';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { insertHousehold } from '../factories/household';
import { acceptedMission, missionSetup } from '../factories/mission';
import { IBAN, actorOf, grantedRequest, ribFile } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { insertAgency } from '../factories/organisation';
import { insertUser } from '../factories/user';
import { TEST_NOW } from '../support/app';
import { $, loginAs } from '../support/http';
import { orientationRecord, writeOrientations } from '../support/funder-side';
import { useWorld } from '../support/world';

/**
 * Each role's home says what to do now: its to-do counts, each linking to the list that shows
 * those items, "Aucun…" rather than "0", counted with the injected clock.
 */
const t = useWorld();
let aqId: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
});
beforeEach(() => t.ctx.clock.set(TEST_NOW));

/** The to-do line `key` of a home page: its text (spaces collapsed) and its link. */
async function todo(email: string, key: string): Promise<{ text: string; href: string | undefined }> {
  const agent = await loginAs(t.ctx.app, email);
  const res = await agent.get('/');
  expect(res.status).toBe(200);
  const item = $(res.text)(`#todo-${key}`);
  expect(item.length).toBe(1);
  return { text: item.text().replace(/\s+/g, ' ').trim(), href: item.find('a').attr('href') };
}

const request = (organisationId: string, householdId: string, createdBy: string, o: Parameters<typeof insertRequest>[1] extends infer R ? Partial<R> : never) =>
  insertRequest(t.ctx.knex, { organisationId, householdId, aidTypeId: aqId, createdBy, ...o });

describe('landlords', () => {
  it('tells an instructor the requests awaiting their answer and their drafts, each linking to the filtered list', async () => {
    const { landlordA, landlordB, users } = t.world;
    const h = (await insertHousehold(t.ctx.knex, landlordA.id)).id;
    const hb = (await insertHousehold(t.ctx.knex, landlordB.id)).id;
    await request(landlordA.id, h, users.instructorA.id, { status: 'awaiting_information' });
    await request(landlordA.id, h, users.instructorA.id, { status: 'awaiting_information' });
    await request(landlordA.id, h, users.instructorA.id, { status: 'draft' });
    await request(landlordB.id, hb, users.adminB.id, { status: 'awaiting_information' });

    expect(await todo(users.instructorA.email, 'awaiting')).toEqual({
      text: '2 demandes attendent votre réponse',
      href: '/demandes?status=awaiting_information',
    });
    expect(await todo(users.instructorA.email, 'drafts')).toEqual({ text: '1 brouillon à terminer et déposer', href: '/demandes?status=draft' });
    // another landlord counts its own only, and a zero reads in words
    expect((await todo(users.instructorB.email, 'awaiting')).text).toBe('1 demande attend votre réponse');
    expect(await todo(users.instructorB.email, 'drafts')).toEqual({ text: 'Aucun brouillon en cours', href: undefined });
  });

  it('counts only its agency for an instructor restricted to it', async () => {
    const { landlordA, users } = t.world;
    const south = await insertAgency(t.ctx.knex, landlordA.id, 'Agence Sud-Ouest');
    const restricted = await insertUser(t.ctx.knex, {
      organisationId: landlordA.id,
      role: 'landlord_instructor',
      agencyId: south.id,
      email: 'restreinte@alpha.test',
    });
    await t.ctx.knex('users').where({ id: restricted.id }).update({ agency_restricted: true });
    const h = (await insertHousehold(t.ctx.knex, landlordA.id)).id;
    await request(landlordA.id, h, restricted.id, { status: 'awaiting_information', agencyId: south.id });
    expect((await todo(restricted.email, 'awaiting')).text).toBe('1 demande attend votre réponse');
    expect((await todo(restricted.email, 'drafts')).text).toBe('Aucun brouillon en cours');
    expect((await todo(users.instructorA.email, 'awaiting')).text).not.toBe('1 demande attend votre réponse');
  });

  it('tells a landlord administrator to give its RIB, then that it waits for the association, and the invitations not yet accepted', async () => {
    const { landlordB, users } = t.world;
    expect(await todo(users.adminB.email, 'rib')).toEqual({ text: 'Aucun RIB confirmé : donnez celui de votre organisation', href: '/comptes-bancaires' });
    await t.ctx.services.payees.submitOwn(
      await actorOf(t.ctx.knex, users.adminB.id),
      { holderName: 'Bailleur Bêta', iban: 'FR7630001007941234567890185', bic: 'AGRIFRPPXXX' },
      ribFile(),
    );
    expect((await todo(users.adminB.email, 'rib')).text).toBe('Votre RIB attend la vérification de l’association');
    const operator = await actorOf(t.ctx.knex, users.operator.id);
    const [pending] = await t.ctx.services.payees.pendingReviews(operator);
    await t.ctx.services.payees.review(operator, pending!.id, pending!.version, 'confirm', null);
    expect((await todo(users.adminB.email, 'rib')).text).toBe('RIB confirmé : rien à faire');

    expect(await todo(users.adminB.email, 'invited')).toEqual({ text: 'Aucune invitation en attente', href: undefined });
    await insertUser(t.ctx.knex, { organisationId: landlordB.id, role: 'landlord_instructor', withPassword: false });
    await insertUser(t.ctx.knex, { organisationId: landlordB.id, role: 'landlord_instructor', withPassword: false });
    expect(await todo(users.adminB.email, 'invited')).toEqual({
      text: '2 utilisateurs invités n’ont pas encore choisi leur mot de passe',
      href: '/utilisateurs',
    });
    // the instructor has neither line
    const agent = await loginAs(t.ctx.app, users.instructorB.email);
    const page = $((await agent.get('/')).text);
    expect(page('#todo-rib').length + page('#todo-invited').length).toBe(0);
  });
});

describe('the association', () => {
  it('tells an operator the requests to take, theirs, the answers received and the proposals to validate', async () => {
    const { landlordA, users } = t.world;
    const operatorAgent = await loginAs(t.ctx.app, users.operator.email);
    const before = $((await operatorAgent.get('/')).text);
    expect(before('#todo-answers').text().replace(/\s+/g, ' ').trim()).toBe('Aucune réponse de bailleur à lire');

    const h = (await insertHousehold(t.ctx.knex, landlordA.id)).id;
    const submitted = await t.ctx.knex('aid_requests').where({ status: 'submitted' }).count<{ n: string }[]>('* as n');
    await request(landlordA.id, h, users.instructorA.id, { status: 'submitted' });
    const mine1 = await request(landlordA.id, h, users.instructorA.id, { status: 'in_review', assignedTo: users.operator.id });
    await request(landlordA.id, h, users.instructorA.id, { status: 'in_review', assignedTo: users.operator.id });
    await request(landlordA.id, h, users.instructorA.id, { status: 'in_review', assignedTo: users.admin.id });
    await t.ctx
      .knex('aid_requests')
      .where({ id: mine1 })
      .update({ information_answered_at: new Date('2026-11-22T15:00:00Z') });
    const byAdmin = await request(landlordA.id, h, users.instructorA.id, { status: 'in_review', assignedTo: users.admin.id });
    const byOperator = await request(landlordA.id, h, users.instructorA.id, { status: 'in_review', assignedTo: users.operator.id });
    const pending = (requestId: string, by: { id: string }) =>
      t.ctx.knex('decisions').insert({
        request_id: requestId,
        kind: 'refuse',
        status: 'pending',
        reason_code: 'other',
        needs_validation: true,
        proposed_by: by.id,
        proposed_by_label: 'Camille Durand',
        proposed_at: new Date('2026-11-22T10:00:00Z'),
      });
    await pending(byAdmin, users.admin);
    await pending(byOperator, users.operator);

    expect(await todo(users.operator.email, 'to_take')).toEqual({
      text: `${Number(submitted[0]!.n) + 1} demande${Number(submitted[0]!.n) + 1 > 1 ? 's' : ''} à prendre`,
      href: '/instruction?onglet=a_prendre',
    });
    expect(await todo(users.operator.email, 'mine')).toEqual({
      text: '3 dossiers suivis par vous (en instruction ou ajourné)',
      href: '/instruction?onglet=mes_dossiers',
    });
    expect(await todo(users.operator.email, 'answers')).toEqual({
      text: '1 réponse de bailleur reçue sur vos dossiers',
      href: '/instruction?onglet=mes_dossiers',
    });
    // never one's own proposal
    expect(await todo(users.operator.email, 'to_validate')).toEqual({ text: '1 proposition de décision à valider', href: '/instruction?onglet=a_valider' });
    expect((await todo(users.admin.email, 'to_validate')).text).toBe('1 proposition de décision à valider');
  });

  it('tells an administrator the RIB to check, the jobs whose last run failed and a backup older than 36 hours', async () => {
    const { users } = t.world;
    const run = (job: string, periodKey: string, status: string, at: string) =>
      t.ctx.knex('job_runs').insert({ job, period_key: periodKey, status, started_by: 'Planificateur', started_at: new Date(at), finished_at: new Date(at) });
    expect(await todo(users.admin.email, 'failed_jobs')).toEqual({ text: 'Aucune tâche en échec', href: undefined });
    expect((await todo(users.admin.email, 'backup')).text).toBe('Aucune sauvegarde réussie depuis plus de 36 h : aucune n’est enregistrée');

    await run('sepa-batches', '2026-11-21', 'failed', '2026-11-21T01:00:00Z');
    await run('sepa-batches', '2026-11-22', 'succeeded', '2026-11-22T01:00:00Z'); // failed once, then fine
    await run('mail-retry', '2026-11-23T08:30', 'failed', '2026-11-23T08:30:00Z');
    await run('backup', '2026-11-21', 'succeeded', '2026-11-21T00:30:00Z');
    await run('backup', '2026-11-22', 'failed', '2026-11-22T00:30:00Z');
    // mail-retry's last run failed, and so did the last backup; sepa-batches failed once and ran well since
    expect(await todo(users.admin.email, 'failed_jobs')).toEqual({ text: '2 tâches en échec à leur dernière exécution', href: '/admin/taches' });
    // Monday 10:00 in Paris: the last good backup was Saturday 01:30, 56 hours ago
    expect(await todo(users.admin.email, 'backup')).toEqual({
      text: 'Aucune sauvegarde réussie depuis plus de 36 h : la dernière date du 21/11/2026 à 01:30',
      href: '/admin/taches',
    });
    t.ctx.clock.set(new Date('2026-11-22T12:00:00Z')); // Sunday 13:00: 35 hours and a half after it
    expect(await todo(users.admin.email, 'backup')).toEqual({ text: 'Sauvegarde de moins de 36 h : rien à faire', href: undefined });
    t.ctx.clock.set(TEST_NOW);

    const rib = await todo(users.admin.email, 'rib_reviews');
    const pendingNow = Number((await t.ctx.knex('bank_accounts').where({ status: 'pending' }).count<{ n: string }[]>('* as n'))[0]!.n);
    expect(rib).toEqual(pendingNow ? { text: `${pendingNow} RIB à vérifier`, href: '/paiements/rib' } : { text: 'Aucun RIB à vérifier', href: undefined });
  });

  it('tells the accountant the batches to approve, to mark transmitted and the months over still open', async () => {
    // what paymentSetup does, the aid types being already there
    const admin = await actorOf(t.ctx.knex, t.world.users.admin.id);
    await t.ctx.services.debtorAccounts.create(admin, {
      label: 'Compte courant',
      holderName: 'Association Test',
      iban: IBAN.debtor,
      bic: 'PSSTFRPPXXX',
      isDefault: true,
      active: true,
    });
    await t.ctx.services.payees.submitOwn(
      await actorOf(t.ctx.knex, t.world.users.adminA.id),
      { holderName: 'Bailleur Alpha', iban: IBAN.alpha, bic: 'AGRIFRPPXXX' },
      ribFile(),
    );
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const mine = (await t.ctx.services.payees.pendingReviews(operator)).find((p) => p.iban === IBAN.alpha)!;
    await t.ctx.services.payees.review(operator, mine.id, mine.version, 'confirm', null);
    const setup = { aqId, householdId: (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id };
    expect(await todo(t.world.users.accountant.email, 'to_approve')).toEqual({ text: 'Aucun lot à approuver', href: undefined });
    expect((await todo(t.world.users.accountant.email, 'periods')).text).toBe('Aucune période à clore');
    await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId: setup.aqId,
      householdId: setup.householdId,
      amountCents: 30000,
      instalments: 1,
      firstDueDate: '2026-11-23',
    });
    await t.ctx.services.jobs.run(sepaBatches, t.ctx.services, { userId: null, label: 'Planificateur' }, '2026-11-23');
    expect(await todo(t.world.users.accountant.email, 'to_approve')).toEqual({ text: '1 lot de virements à approuver', href: '/paiements#lots' });
    expect((await todo(t.world.users.accountant.email, 'to_transmit')).text).toBe('Aucun lot à marquer transmis');
    const accountant = await actorOf(t.ctx.knex, t.world.users.accountant.id);
    const batch = await t.ctx.knex('payment_batches').where({ status: 'generated' }).first();
    await t.ctx.services.batches.approve(accountant, batch.id, batch.version);
    expect((await todo(t.world.users.accountant.email, 'to_approve')).text).toBe('Aucun lot à approuver');
    expect(await todo(t.world.users.accountant.email, 'to_transmit')).toEqual({ text: '1 lot approuvé à marquer transmis', href: '/paiements#lots' });

    // the grant's entries are dated November 2026: on 5 January 2027, November and December are over and open
    t.ctx.clock.set(new Date('2027-01-05T09:00:00Z'));
    expect(await todo(t.world.users.accountant.email, 'periods')).toEqual({ text: '2 périodes terminées à clore', href: '/comptabilite/periodes' });
    await t.ctx.services.accounting.closePeriod(accountant, '2026-11');
    expect((await todo(t.world.users.accountant.email, 'periods')).text).toBe('1 période terminée à clore');
  });
});

describe('the adviser', () => {
  let missionId: string;
  beforeAll(async () => {
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    missionId = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    const schedule = (date: string, time: string) =>
      t.ctx.services.appointments.schedule(adviser, missionId, {
        date,
        time,
        durationMinutes: 60,
        mode: 'in_person',
        place: 'Permanence, 21 quai d’Austerlitz',
        contactName: 'Léa Durand',
        contactEmail: undefined,
        acceptOverlap: undefined,
      });
    t.ctx.clock.set(new Date('2026-11-19T07:00:00Z')); // Thursday 19 November, 08:00 in Paris
    await schedule('2026-11-19', '14:00');
    const friday = await schedule('2026-11-20', '09:00');
    await schedule('2026-11-23', '09:00'); // Monday
    await schedule('2026-11-23', '15:00');
    await schedule('2026-11-24', '09:00'); // Tuesday
    // Thursday 14:00 was held and not written up; Friday 09:00 was held and written up (a session that day on the mission)
    t.ctx.clock.set(new Date('2026-11-20T17:00:00Z'));
    const version = Number((await t.ctx.knex('appointments').where({ id: friday }).first('version')).version);
    await t.ctx.services.appointments.setOutcome(adviser, missionId, friday, version, 'done');
    await t.ctx.services.missions.recordSession(adviser, missionId, {
      heldOn: '2026-11-20',
      durationMinutes: 60,
      kind: 'office',
      participants: 'Léa Durand',
      summary: 'Premier entretien : budget.',
    });
  });

  it('on Monday at 00:30 in Paris (still Sunday in UTC), counts Monday’s appointments and Thursday’s one to write up', async () => {
    t.ctx.clock.set(new Date('2026-11-22T23:30:00Z'));
    expect(await todo(t.world.users.social_adviser.email, 'today')).toEqual({ text: '2 rendez-vous aujourd’hui', href: '/accompagnement/calendrier' });
    const writeUp = await todo(t.world.users.social_adviser.email, 'write_up');
    expect(writeUp.text).toMatch(/^1 entretien à rédiger/);
    expect(writeUp.href).toBe(`/accompagnement/${missionId}`);
  });

  it('on Sunday at 23:30 in Paris, has no appointment today and counts neither Monday’s nor Friday’s written-up one to write up', async () => {
    t.ctx.clock.set(new Date('2026-11-22T22:30:00Z'));
    expect(await todo(t.world.users.social_adviser.email, 'today')).toEqual({ text: 'Aucun rendez-vous aujourd’hui', href: undefined });
    expect((await todo(t.world.users.social_adviser.email, 'write_up')).text).toMatch(/^1 entretien à rédiger/);
  });

  it('on Monday at 16:30, counts Monday’s two past appointments to write up beside Thursday’s', async () => {
    t.ctx.clock.set(new Date('2026-11-23T15:30:00Z'));
    expect((await todo(t.world.users.social_adviser.email, 'today')).text).toBe('2 rendez-vous aujourd’hui');
    expect((await todo(t.world.users.social_adviser.email, 'write_up')).text).toMatch(/^3 entretiens à rédiger/);
  });
});

describe('the auditor', () => {
  it('is offered the dashboard and nothing it cannot open', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.auditor.email);
    const page = $((await agent.get('/')).text);
    const links = page('main a')
      .map((_, a) => page(a).attr('href'))
      .get();
    expect(links).toContain('/tableau-de-bord');
    for (const href of links) expect((await agent.get(href)).status).toBe(200);
    expect(page('main').text()).not.toMatch(/extraits statistiques/);
  });
});

describe('the exchanges with Action Logement', () => {
  it('counts the ASD orientations waiting: a landlord its own tenants’, the association all, and flags a file left without acknowledgement past 48 hours', async () => {
    const dir = (t.ctx.services.config.funder.transport as { dir: string }).dir;
    const siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
    writeOrientations(dir, 1, [orientationRecord('HOME-1', siren), orientationRecord('HOME-2', siren)]);
    t.ctx.clock.advanceMinutes(15);
    await t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
    expect(await todo(t.world.users.instructorA.email, 'orientations')).toEqual({
      text: '2 orientations ASD d’Action Logement à traiter',
      href: '/orientations',
    });
    expect(await todo(t.world.users.adminB.email, 'orientations')).toEqual({ text: 'Aucune orientation ASD à traiter', href: undefined });
    expect((await todo(t.world.users.operator.email, 'orientations')).text).toBe('2 orientations ASD d’Action Logement à traiter');

    const file = await t.ctx.knex.transaction((trx) =>
      t.ctx.services.funderOutbound.prepare(trx, {
        flow: 'SUIVI',
        periodStart: '2026-11-23',
        periodEnd: '2026-11-23',
        records: [{ id: 'S-home', orientation_asd: 'ASD-2026-000900', horodatage: '2026-11-23T09:00:00+01:00', evenement: 'orientation_recue' }],
      }),
    );
    await t.ctx.services.funderOutbound.deliver();
    t.ctx.clock.advanceMinutes(47 * 60);
    expect((await todo(t.world.users.admin.email, 'funder_unacknowledged')).text).toMatch(/^Aucun fichier/);
    t.ctx.clock.advanceMinutes(2 * 60);
    expect(await todo(t.world.users.admin.email, 'funder_unacknowledged')).toEqual({
      text: '1 fichier envoyé à Action Logement sans accusé depuis plus de 48 h',
      href: '/echanges',
    });
    expect(file.file).toMatch(/^ENTRAIDE_SUIVI_/);
  });
});
