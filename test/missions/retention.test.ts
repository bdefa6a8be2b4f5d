import { loadConfig } from '../../src/config';
import { supportRetention } from '../../src/jobs/definitions/support-retention';
import { ERASED } from '../../src/missions/retention';
import { TEST_NOW } from '../support/app';
import { actorOf } from '../factories/payment';
import { insertHousehold } from '../factories/household';
import { missionSetup, type MissionSetup, missionVersion } from '../factories/mission';
import { download, loginAs } from '../support/http';
import { useWorld } from '../support/world';
import { cipherOf } from '../support/encryption';

/**
 * Support data is kept two years after the last contact with the household (CNIL retention
 * référentiel), then the content of its missions is erased; dates, durations, consent and billing
 * stay. A household still followed (an open mission, or a recent contact) keeps everything.
 */
const t = useWorld();
let setup: MissionSetup;
let old: string;
let recentSibling: string;
let openOld: string;
const PRIVATE = 'Confidence sur la santé du fils';
const SCHEDULER = { userId: null, label: 'Planificateur' };

/** A mission run at a past date through the services: ordered, accepted, one session, one appointment, completed. */
async function pastMission(householdId: string, at: string, complete = true): Promise<string> {
  t.ctx.clock.set(new Date(`${at}T09:00:00Z`));
  const operator = await actorOf(t.ctx.knex, t.world.users.operator.id);
  const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
  const id = await t.ctx.services.missions.order(operator, {
    householdId,
    missionTypeId: setup.types.diag,
    reason: 'Impayés après une séparation',
    adviserId: t.world.users.social_adviser.id,
  });
  await t.ctx.services.missions.accept(adviser, id, await missionVersion(t.ctx.knex, id), {
    consentDate: at,
    consentMethod: 'in_person',
    objectives: [{ category: 'budget', text: 'Tenir un budget avec un seul salaire' }],
  });
  await t.ctx.services.appointments.schedule(adviser, id, {
    date: at,
    time: '15:00',
    durationMinutes: 60,
    mode: 'in_person',
    place: '12 rue des Lilas, Créteil',
    contactName: 'Léa Durand',
    contactEmail: 'lea.durand@exemple.fr',
  });
  await t.ctx.services.missions.recordSession(adviser, id, {
    heldOn: at,
    durationMinutes: 60,
    kind: 'home_visit',
    participants: 'Léa Durand et son fils',
    summary: 'Budget reconstitué',
    privateNotes: PRIVATE,
    nextSteps: 'Dossier FSL',
  });
  if (complete)
    await t.ctx.services.missions.complete(adviser, id, await missionVersion(t.ctx.knex, id), {
      results: { 1: 'reached' },
      outcome: 'Budget tenu trois mois',
      recommendations: 'Revoir en cas de nouvel impayé',
    });
  return id;
}

beforeAll(async () => {
  setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
  old = await pastMission(setup.householdA, '2024-09-10');
  // household B: an old mission, but a new one this month — it is still followed
  recentSibling = await pastMission(setup.householdB, '2024-05-06');
  await pastMission(setup.householdB, '2026-11-02', false);
  // a third household whose mission started long ago is still open
  const third = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  openOld = await pastMission(third, '2024-03-04', false);
  t.ctx.clock.set(TEST_NOW);
});

describe('the retention of support data', () => {
  it('lists in a dry run the missions of households without contact for two years, and changes nothing', async () => {
    const { candidates, erased } = await t.ctx.services.supportRetention.run(TEST_NOW, 24, true);
    expect(candidates.map((c) => c.missionId)).toEqual([old]);
    expect(candidates[0]?.lastContact.toISOString().slice(0, 10)).toBe('2024-09-10');
    expect(erased).toBe(0);
    expect((await t.ctx.knex('missions').where({ id: old }).first()).reason).toBe('Impayés après une séparation');
  });

  it('erases their content every night and keeps dates, durations, consent and billing; the page says so; a second run finds nothing', async () => {
    const billingBefore = await t.ctx.knex('mission_billing_lines').where({ mission_id: old }).first();
    const reportId = (await t.ctx.knex('missions').where({ id: old }).first()).report_blob_id;
    expect(reportId).not.toBeNull();
    const run = await t.ctx.services.jobs.run(supportRetention, t.ctx.services, SCHEDULER, supportRetention.periodKey(TEST_NOW));
    expect(run).toMatchObject({ status: 'succeeded', counts: { erased: 1 } });

    const m = await t.ctx.knex('missions').where({ id: old }).first();
    expect(m).toMatchObject({ reason: ERASED, outcome: null, recommendations: null, report_blob_id: null, status: 'completed' });
    expect(m.anonymised_at).not.toBeNull();
    expect(m.consent).toMatchObject({ date: '2024-09-10', method: 'in_person' });
    const session = await t.ctx.knex('mission_sessions').where({ mission_id: old }).first();
    expect(session).toMatchObject({ participants: ERASED, private_notes: null, next_steps: null, duration_minutes: 60 });
    expect(cipherOf(t.ctx.services).decrypt(session.summary, 'mission_sessions.summary')).toBe(ERASED);
    expect(await t.ctx.knex('mission_objectives').where({ mission_id: old }).first()).toMatchObject({ text: ERASED, result: 'reached' });
    expect(await t.ctx.knex('appointments').where({ mission_id: old }).first()).toMatchObject({ place: ERASED, contact_name: ERASED, contact_email: null });
    expect(await t.ctx.knex('blobs').where({ id: reportId })).toHaveLength(0);
    expect(await t.ctx.knex('mission_billing_lines').where({ mission_id: old }).first()).toEqual(billingBefore);
    expect(await t.ctx.knex('audit_events').where({ entity_id: old, action: 'mission.anonymised' })).toHaveLength(1);
    // nothing else was touched
    for (const id of [recentSibling, openOld])
      expect(
        cipherOf(t.ctx.services).decrypt(
          (await t.ctx.knex('mission_sessions').where({ mission_id: id }).first()).private_notes,
          'mission_sessions.private_notes',
        ),
      ).toBe(PRIVATE);

    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const page = await operator.get(`/accompagnement/${old}`);
    expect(page.text).toContain('Le contenu de cette mission a été effacé le 23/11/2026');
    expect(page.text).not.toContain(PRIVATE);
    expect((await download(operator, `/accompagnement/${old}/bilan.pdf`)).status).toBe(404);

    expect((await t.ctx.services.supportRetention.run(TEST_NOW, 24)).erased).toBe(0);
  });

  it('refuses a retention under one year at start', () => {
    expect(() => loadConfig({ SUPPORT_RETENTION_MONTHS: '6' })).toThrow(/un an au moins/);
  });
});
