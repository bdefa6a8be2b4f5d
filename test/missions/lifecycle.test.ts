import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { billingAmount } from '../../src/missions/service';
import { missionActions, missionTransition } from '../../src/missions/state-machine';
import { InvalidTransitionError, ValidationError } from '../../src/shared/errors';
import { actorOf } from '../factories/payment';
import { acceptedMission, type MissionSetup, missionSetup, missionVersion } from '../factories/mission';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { useWorld } from '../support/world';
import { TEST_NOW } from '../support/app';

const t = useWorld();
let setup: MissionSetup;
beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
});
afterEach(() => t.ctx.clock.set(TEST_NOW));

const actor = (key: keyof typeof t.world.users) => actorOf(t.ctx.knex, t.world.users[key].id);
const audit = (id: string) => t.ctx.knex('audit_events').where({ entity_type: 'mission', entity_id: id }).orderBy('occurred_at').pluck('action');
const pdfText = (data: Buffer) => {
  const file = path.join(os.tmpdir(), `bilan-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, data);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.unlinkSync(file);
  }
};

describe('mission state machine', () => {
  it('allows only the transitions of the lifecycle, to the association and its advisers', () => {
    expect(missionTransition('social_adviser', 'proposed', 'accept')).toBe('accepted');
    expect(missionTransition('operator', 'proposed', 'decline')).toBe('declined');
    expect(missionTransition('social_adviser', 'accepted', 'start')).toBe('in_progress');
    expect(missionTransition('social_adviser', 'in_progress', 'complete')).toBe('completed');
    expect(missionTransition('social_adviser', 'accepted', 'interrupt')).toBe('interrupted');
    expect(missionTransition('admin', 'in_progress', 'interrupt')).toBe('interrupted');
    expect(() => missionTransition('social_adviser', 'proposed', 'complete')).toThrow(InvalidTransitionError);
    expect(() => missionTransition('social_adviser', 'proposed', 'interrupt')).toThrow(InvalidTransitionError);
    expect(() => missionTransition('operator', 'completed', 'interrupt')).toThrow(InvalidTransitionError);
    expect(() => missionTransition('operator', 'declined', 'accept')).toThrow(InvalidTransitionError);
    expect(() => missionTransition('landlord_admin', 'proposed', 'accept')).toThrow(InvalidTransitionError);
    expect(missionActions('landlord_instructor', 'in_progress')).toEqual([]);
    expect(missionActions('social_adviser', 'in_progress')).toEqual(['complete', 'interrupt']);
  });
});

describe('billing amounts', () => {
  it('bills hours × rate to the cent, rounded half up, or the flat fee', () => {
    expect(billingAmount({ billingMode: 'hourly', rateCents: 4500 }, 135)).toBe(10125);
    expect(billingAmount({ billingMode: 'hourly', rateCents: 4500 }, 7)).toBe(525);
    // 50 min at 49,99 €/h = 41,658… → 41,66
    expect(billingAmount({ billingMode: 'hourly', rateCents: 4999 }, 50)).toBe(4166);
    // 3 min at 0,10 €/h = 0,005 → 0,01 (half up)
    expect(billingAmount({ billingMode: 'hourly', rateCents: 10 }, 3)).toBe(1);
    expect(billingAmount({ billingMode: 'hourly', rateCents: 4500 }, 0)).toBe(0);
    expect(billingAmount({ billingMode: 'flat', rateCents: 25000 }, 600)).toBe(25000);
  });
});

describe('a mission from order to report', () => {
  it('is ordered, accepted with consent and objectives, started by its first session, completed with a report and a billing line — each step audited', async () => {
    const id = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup, setup.types.budget);
    const adviser = await actor('social_adviser');
    const m1 = await t.ctx.knex('missions').where({ id }).first();
    expect(m1).toMatchObject({ status: 'accepted', origin: 'association', adviser_id: t.world.users.social_adviser.id, planned_minutes: 1200 });
    expect(m1.reference).toMatch(/^M2026-\d{5}$/);
    expect(m1.consent).toEqual({ date: '2026-11-20', method: 'in_person', recordedBy: expect.any(String) });

    await t.ctx.services.missions.recordSession(adviser, id, {
      heldOn: '2026-11-21',
      durationMinutes: 90,
      kind: 'home_visit',
      participants: 'Léa Durand',
      summary: 'Budget reconstitué.',
      privateNotes: 'Évoque un conflit familial.',
    });
    expect((await t.ctx.knex('missions').where({ id }).first()).status).toBe('in_progress');
    await t.ctx.services.missions.recordSession(adviser, id, {
      heldOn: '2026-11-23',
      durationMinutes: 45,
      kind: 'phone',
      participants: 'Léa Durand',
      summary: 'Droits CAF demandés.',
    });

    // a result for every objective is required
    await expect(
      t.ctx.services.missions.complete(adviser, id, await missionVersion(t.ctx.knex, id), { results: { 1: 'reached' }, outcome: 'Bilan' }),
    ).rejects.toThrow(ValidationError);
    t.ctx.clock.set(new Date('2026-11-30T10:00:00Z'));
    await t.ctx.services.missions.complete(adviser, id, await missionVersion(t.ctx.knex, id), {
      results: { 1: 'reached', 2: 'partly' },
      outcome: 'Budget tenu, CAF en cours.',
      recommendations: 'Point dans trois mois.',
    });

    const done = await t.ctx.knex('missions').where({ id }).first();
    expect(done.status).toBe('completed');
    expect(done.report_blob_id).not.toBeNull();
    // 135 minutes at 49,99 €/h = 112,4775 → 112,48 €
    expect(await t.ctx.knex('mission_billing_lines').where({ mission_id: id }).first()).toMatchObject({
      period: '2026-11',
      billing_mode: 'hourly',
      minutes: 135,
      organisation_id: t.world.landlordA.id,
    });
    expect(Number((await t.ctx.knex('mission_billing_lines').where({ mission_id: id }).first()).amount_cents)).toBe(11248);
    expect(await audit(id)).toEqual(['mission.ordered', 'mission.accepted', 'mission.session_recorded', 'mission.session_recorded', 'mission.completed']);

    const report = await t.ctx.services.missions.report(await actor('adminA'), id);
    const text = pdfText(report.data);
    expect(text).toContain(`Bilan d’accompagnement — Accompagnement budgétaire`);
    expect(text).toContain('Établir un budget mensuel : Atteint');
    expect(text).toContain('Ouvrir les droits CAF : Partiellement atteint');
    expect(text).toContain('2 entretiens, 2 h 15');
    expect(text).toContain('Budget tenu, CAF en cours.');
    expect(text).not.toContain('conflit familial');
    expect(text).not.toContain('Budget reconstitué');
  });

  it('refuses what the lifecycle does not allow, leaving the mission unchanged', async () => {
    const operator = await actor('operator');
    const adviser = await actor('social_adviser');
    const id = await t.ctx.services.missions.order(operator, { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'Test' });
    await expect(t.ctx.services.missions.start(adviser, id, 1)).rejects.toThrow(); // not assigned to this adviser: not even visible
    await expect(t.ctx.services.missions.complete(operator, id, 1, { results: {}, outcome: 'x' })).rejects.toThrow(InvalidTransitionError);
    await expect(
      t.ctx.services.missions.recordSession(operator, id, { heldOn: '2026-11-23', durationMinutes: 30, kind: 'phone', participants: 'x', summary: 'x' }),
    ).rejects.toThrow(/acceptée ou en cours/);
    await expect(
      t.ctx.services.missions.accept(operator, id, 1, {
        consentDate: '2026-11-24',
        consentMethod: 'in_person',
        objectives: [{ category: 'budget', text: 'x' }],
      }),
    ).rejects.toThrow(ValidationError);
    await expect(t.ctx.services.missions.start(operator, id, 1)).rejects.toThrow(InvalidTransitionError);
    await t.ctx.services.missions.accept(operator, id, 1, {
      consentDate: '2026-11-23',
      consentMethod: 'paper_signed',
      objectives: [{ category: 'budget', text: 'x' }],
    });
    // an accepted mission without an adviser does not start
    await expect(t.ctx.services.missions.start(operator, id, 2)).rejects.toThrow(/Attribuez/);
    // a stale version is a conflict, not a silent overwrite
    await expect(t.ctx.services.missions.decline(operator, id, 1, 'x')).rejects.toThrow();
    expect((await t.ctx.knex('missions').where({ id }).first()).status).toBe('accepted');
    expect(await audit(id)).toEqual(['mission.ordered', 'mission.accepted']);
  });

  it('closes an interrupted mission with its reason, a report and the billing of the hours held (flat types bill their fee)', async () => {
    const adviser = await actor('social_adviser');
    const hourly = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    await t.ctx.services.missions.interrupt(adviser, hourly, await missionVersion(t.ctx.knex, hourly), {
      reason: 'unreachable',
      comment: 'Trois rendez-vous manqués',
    });
    const row = await t.ctx.knex('missions').where({ id: hourly }).first();
    expect(row).toMatchObject({ status: 'interrupted', interruption_reason: 'Ménage injoignable : Trois rendez-vous manqués' });
    expect(row.report_blob_id).not.toBeNull();
    expect(await t.ctx.knex('mission_billing_lines').where({ mission_id: hourly })).toHaveLength(0); // no hour held, nothing billed

    const flat = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup, setup.types.flat);
    await t.ctx.services.missions.recordSession(adviser, flat, { heldOn: '2026-11-23', durationMinutes: 60, kind: 'office', participants: 'x', summary: 'x' });
    await t.ctx.services.missions.interrupt(adviser, flat, await missionVersion(t.ctx.knex, flat), { reason: 'moved_out' });
    expect(await t.ctx.knex('mission_billing_lines').where({ mission_id: flat }).first()).toMatchObject({ billing_mode: 'flat', minutes: 60 });
    expect(Number((await t.ctx.knex('mission_billing_lines').where({ mission_id: flat }).first()).amount_cents)).toBe(25000);
  });

  it('records a decline with the household’s answer; nothing is billed', async () => {
    const operator = await actor('operator');
    const id = await t.ctx.services.missions.order(operator, { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'Test' });
    await t.ctx.services.missions.decline(operator, id, 1, 'Ne souhaite pas être accompagnée');
    expect(await t.ctx.knex('missions').where({ id }).first()).toMatchObject({
      status: 'declined',
      decline_reason: 'Ne souhaite pas être accompagnée',
      consent: null,
    });
    expect(await t.ctx.knex('mission_billing_lines').where({ mission_id: id })).toHaveLength(0);
  });

  it('lets a landlord ask for a mission for its own household only, linked to that household’s request only', async () => {
    const instructorA = await actor('instructorA');
    const id = await t.ctx.services.missions.order(instructorA, {
      householdId: setup.householdA,
      missionTypeId: setup.types.diag,
      reason: 'Difficultés',
      adviserId: t.world.users.social_adviser.id,
    });
    // a landlord cannot choose the adviser: the association assigns
    expect(await t.ctx.knex('missions').where({ id }).first()).toMatchObject({
      origin: 'landlord',
      status: 'proposed',
      adviser_id: null,
      organisation_id: t.world.landlordA.id,
    });
    await expect(
      t.ctx.services.missions.order(await actor('adminB'), { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'x' }),
    ).rejects.toThrow(ValidationError);
    const aidType = (
      await t.ctx
        .knex('aid_types')
        .insert({ code: 'TST', label: 'Aide test', payees: ['landlord'] })
        .returning('id')
    )[0] as { id: string };
    const other = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    const otherRequest = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: other,
      aidTypeId: aidType.id,
      createdBy: t.world.users.instructorA.id,
      status: 'in_review',
    });
    await expect(
      t.ctx.services.missions.order(instructorA, { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'x', requestId: otherRequest }),
    ).rejects.toThrow(/pas celle de ce ménage/);
    const ownRequest = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: setup.householdA,
      aidTypeId: aidType.id,
      createdBy: t.world.users.instructorA.id,
      status: 'in_review',
    });
    const linked = await t.ctx.services.missions.order(instructorA, {
      householdId: setup.householdA,
      missionTypeId: setup.types.diag,
      reason: 'x',
      requestId: ownRequest,
    });
    expect((await t.ctx.knex('missions').where({ id: linked }).first()).request_id).toBe(ownRequest);
  });

  it('keeps a landlord user tied to one agency to that agency’s households', async () => {
    await t.ctx.knex('users').where({ id: t.world.users.instructorA.id }).update({ agency_restricted: true });
    try {
      const restricted = await actor('instructorA');
      await expect(t.ctx.services.missions.order(restricted, { householdId: setup.householdA, missionTypeId: setup.types.diag, reason: 'x' })).rejects.toThrow(
        /autre agence/,
      );
      const inAgency = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
      await t.ctx.knex('households').where({ id: inAgency }).update({ agency_id: t.world.landlordA.agencyId });
      const id = await t.ctx.services.missions.order(restricted, { householdId: inAgency, missionTypeId: setup.types.diag, reason: 'Dans mon agence' });
      const visible = (await t.ctx.services.missions.list(restricted, {}, 1)).items.map((m) => m.id);
      expect(visible).toContain(id);
      expect((await t.ctx.services.missions.list(await actor('adminA'), {}, 1)).total).toBeGreaterThan(visible.length);
    } finally {
      await t.ctx.knex('users').where({ id: t.world.users.instructorA.id }).update({ agency_restricted: false });
    }
  });

  it('refuses an inactive mission type and a user who is not an active adviser', async () => {
    const admin = await actor('admin');
    const inactive = await t.ctx.services.missions.saveType(admin, null, {
      code: 'OLD',
      label: 'Ancien',
      defaultMinutes: 60,
      billingMode: 'flat',
      rateCents: 100,
      active: false,
    });
    await expect(t.ctx.services.missions.order(admin, { householdId: setup.householdA, missionTypeId: inactive, reason: 'x' })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      t.ctx.services.missions.order(admin, {
        householdId: setup.householdA,
        missionTypeId: setup.types.diag,
        reason: 'x',
        adviserId: t.world.users.operator.id,
      }),
    ).rejects.toThrow(/conseill/);
    await expect(
      t.ctx.services.missions.saveType(admin, null, { code: 'DIAG', label: 'Doublon', defaultMinutes: 60, billingMode: 'flat', rateCents: 100, active: true }),
    ).rejects.toThrow(ValidationError);
  });
});
