import { satisfactionInvitations } from '../../src/jobs/definitions/satisfaction-invitations';
import { acceptedMission, type MissionSetup, missionSetup } from '../factories/mission';
import { insertHousehold, insertPerson } from '../factories/household';
import { actorOf } from '../factories/payment';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';
import { completedMission, mailedTokens, pastAppointment } from './fixtures';

/**
 * Invitations: one per completed mission and per appointment held, to a member of the household
 * with an e-mail, mailed in plain French with a link whose token only the mail holds — exactly once
 * whatever the runs.
 */
const t = useWorld();
let setup: MissionSetup;
const SCHEDULER = { userId: null, label: 'Planificateur' };
const invitations = () => t.ctx.knex('satisfaction_invitations').orderBy('sent_at').orderBy('id');

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
});
beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('after a completed mission', () => {
  it('mails the holder once, in plain French, with a link kept only as a hash', async () => {
    const missionId = await completedMission(t.ctx, t.world, setup);
    t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
    expect(await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now())).toEqual({ invited: 1, skipped: 0 });
    // a second call (another replica, a run by hand) finds it invited
    expect(await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now())).toEqual({ invited: 0, skipped: 0 });

    const rows = (await invitations()).filter((r) => r.subject_id === missionId);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      kind: 'mission',
      mission_id: missionId,
      adviser_id: t.world.users.social_adviser.id,
      mission_type_id: setup.types.diag,
      answered_at: null,
    });
    expect(new Date(row.expires_at).toISOString()).toBe('2027-01-23T09:00:00.000Z');

    const mail = await t.ctx.knex('mail_outbox').where({ id: row.mail_id }).first();
    expect(mail).toMatchObject({ to_address: 'lea.durand@exemple.fr', kind: 'satisfaction.invitation', subject: 'Votre avis sur votre accompagnement' });
    expect(mail.text_body).toContain('Bonjour Léa Durand');
    expect(mail.text_body).toContain('Votre accompagnement « Diagnostic social »');
    expect(mail.text_body).toContain('Vos réponses sont anonymes');
    expect(mail.text_body).toContain('jusqu’au 23/01/2027');
    const [token] = await mailedTokens(t.ctx.knex);
    expect(mail.text_body).toContain(`http://entraide.test/mon-espace/questionnaires/${token}`);
    // the token itself is nowhere in the database but the mail
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const audit = await t.ctx.knex('audit_events').where({ entity_id: missionId, action: 'satisfaction.invited' });
    expect(audit).toHaveLength(1);
    expect(audit[0].organisation_id).toBeNull();
  });

  it('never asks about an interrupted mission, and forgets missions ended before its look-back', async () => {
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    const interrupted = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const version = Number((await t.ctx.knex('missions').where({ id: interrupted }).first('version')).version);
    await t.ctx.services.missions.interrupt(adviser, interrupted, version, { reason: 'unreachable' });
    const old = await completedMission(t.ctx, t.world, setup);
    // ended more than two weeks before the run (before the questionnaires existed, say)
    await t.ctx
      .knex('missions')
      .where({ id: old })
      .update({ ended_at: new Date('2026-11-09T08:59:00Z') });
    t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
    await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
    const subjects = (await invitations()).map((r) => r.subject_id);
    expect(subjects).not.toContain(interrupted);
    expect(subjects).not.toContain(old);
  });

  it('invites nobody when no member of the household has an e-mail, and skips a child', async () => {
    const child = await insertPerson(t.ctx.knex, { firstNames: 'Tom', email: 'tom@exemple.fr', birthDate: '2015-02-02' });
    const holder = await insertPerson(t.ctx.knex, { firstNames: 'Paul', email: null });
    const household = (
      await insertHousehold(t.ctx.knex, t.world.landlordA.id, {
        members: [
          { personId: holder, relationship: 'holder' },
          { personId: child, relationship: 'child' },
        ],
      })
    ).id;
    const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    const id = await t.ctx.services.missions.order(operator, {
      householdId: household,
      missionTypeId: setup.types.budget,
      reason: 'Dettes',
      adviserId: t.world.users.social_adviser.id,
    });
    const v = async () => Number((await t.ctx.knex('missions').where({ id }).first('version')).version);
    await t.ctx.services.missions.accept(adviser, id, await v(), {
      consentDate: '2026-11-20',
      consentMethod: 'in_person',
      objectives: [{ category: 'budget', text: 'Budget' }],
    });
    await t.ctx.services.missions.start(adviser, id, await v());
    await t.ctx.services.missions.complete(adviser, id, await v(), { results: { 1: 'reached' }, outcome: 'Fait' });
    t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
    await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
    expect((await invitations()).map((r) => r.subject_id)).not.toContain(id);
    expect(await t.ctx.knex('mail_outbox').where({ to_address: 'tom@exemple.fr', kind: 'satisfaction.invitation' })).toHaveLength(0);
  });
});

describe('after an appointment', () => {
  it('invites after an appointment held, never after one missed', async () => {
    const missionId = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup, setup.types.budget);
    const held = await pastAppointment(t.ctx, t.world, missionId, { date: '2026-11-25', time: '14:30', outcome: 'done' });
    const missed = await pastAppointment(t.ctx, t.world, missionId, { date: '2026-11-26', time: '09:00', outcome: 'no_show' });
    t.ctx.clock.set(new Date('2026-11-27T09:00:00Z'));
    await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
    const rows = await t.ctx.knex('satisfaction_invitations').whereIn('subject_id', [held, missed]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'appointment', subject_id: held, mission_id: missionId, mission_type_id: setup.types.budget });
    const mail = await t.ctx.knex('mail_outbox').where({ id: rows[0].mail_id }).first();
    expect(mail.subject).toBe('Votre avis sur votre rendez-vous du 25/11/2026');
    expect(mail.text_body).toContain('le mercredi 25 novembre 2026 à 14:30');
  });

  it('writes to the member the appointment was sent to when several have an e-mail', async () => {
    const spouse = await insertPerson(t.ctx.knex, { lastName: 'Durand', firstNames: 'Marc', email: 'marc.durand@exemple.fr' });
    await t.ctx.knex('household_members').insert({ household_id: setup.householdA, person_id: spouse, relationship: 'spouse', from_date: '2020-01-01' });
    const missionId = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const held = await pastAppointment(t.ctx, t.world, missionId, { date: '2026-11-25', time: '16:00', outcome: 'done', email: 'MARC.durand@exemple.fr' });
    t.ctx.clock.set(new Date('2026-11-27T09:00:00Z'));
    await t.ctx.services.satisfaction.sendInvitations(t.ctx.clock.now());
    const row = await t.ctx.knex('satisfaction_invitations').where({ subject_id: held }).first();
    expect(row.person_id).toBe(spouse);
    await t.ctx.knex('household_members').where({ person_id: spouse }).update({ to_date: '2026-11-27' });
  });
});

describe('the daily job', () => {
  it('is registered with its French name and sends each subject once, run twice or the next day', async () => {
    const missionId = await completedMission(t.ctx, t.world, setup, setup.types.flat);
    t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
    const first = await t.ctx.services.jobs.run(satisfactionInvitations, t.ctx.services, SCHEDULER);
    expect(first).toMatchObject({ status: 'succeeded' });
    // the same day: the run of the period exists
    expect(await t.ctx.services.jobs.run(satisfactionInvitations, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'skipped' });
    // the next day: a new period, nothing new to send
    t.ctx.clock.set(new Date('2026-11-25T09:00:00Z'));
    expect(await t.ctx.services.jobs.run(satisfactionInvitations, t.ctx.services, SCHEDULER)).toMatchObject({ status: 'succeeded', counts: { invited: 0 } });
    expect(await t.ctx.knex('satisfaction_invitations').where({ subject_id: missionId })).toHaveLength(1);
    expect(satisfactionInvitations.label).toBe('Questionnaires de satisfaction');
  });

  it('counts on the unique key when two runs race for one subject', async () => {
    const missionId = await completedMission(t.ctx, t.world, setup);
    t.ctx.clock.set(new Date('2026-11-24T09:00:00Z'));
    const now = t.ctx.clock.now();
    const results = await Promise.all([t.ctx.services.satisfaction.sendInvitations(now), t.ctx.services.satisfaction.sendInvitations(now)]);
    expect(results.reduce((n, r) => n + r.invited, 0)).toBe(1);
    expect(await t.ctx.knex('satisfaction_invitations').where({ subject_id: missionId })).toHaveLength(1);
    const mails = await t.ctx.knex('satisfaction_invitations as i').join('mail_outbox as m', 'm.id', 'i.mail_id').where('i.subject_id', missionId);
    expect(mails).toHaveLength(1);
  });
});
