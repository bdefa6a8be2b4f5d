import type { Knex } from 'knex';
import type { Services } from '../../src/services';
import { actorOf } from './payment';
import { insertHousehold, insertPerson } from './household';
import type { World } from './world';

export interface MissionSetup {
  types: { diag: string; budget: string; flat: string };
  /** a household of landlord A (holder with an e-mail and phone) and one of landlord B */
  householdA: string;
  householdB: string;
}

/** Mission types created by the association's administrator, and one household per landlord. */
export async function missionSetup(services: Services, knex: Knex, world: World): Promise<MissionSetup> {
  const admin = await actorOf(knex, world.users.admin.id);
  const diag = await services.missions.saveType(admin, null, {
    code: 'DIAG',
    label: 'Diagnostic social',
    defaultMinutes: 240,
    billingMode: 'hourly',
    rateCents: 4500,
    active: true,
  });
  const budget = await services.missions.saveType(admin, null, {
    code: 'BUDGET',
    label: 'Accompagnement budgétaire',
    defaultMinutes: 1200,
    billingMode: 'hourly',
    rateCents: 4999,
    active: true,
  });
  const flat = await services.missions.saveType(admin, null, {
    code: 'DOSSIER',
    label: 'Montage de dossiers',
    defaultMinutes: 360,
    billingMode: 'flat',
    rateCents: 25000,
    active: true,
  });
  const holder = await insertPerson(knex, { lastName: 'Durand', firstNames: 'Léa', email: 'lea.durand@exemple.fr', phone: '0612345678' });
  const householdA = (await insertHousehold(knex, world.landlordA.id, { members: [{ personId: holder, relationship: 'holder' }] })).id;
  const householdB = (await insertHousehold(knex, world.landlordB.id)).id;
  return { types: { diag, budget, flat }, householdA, householdB };
}

export const missionVersion = async (knex: Knex, id: string): Promise<number> => Number((await knex('missions').where({ id }).first('version')).version);

/** A mission of landlord A ordered by the operator, assigned to the world's adviser, accepted with two objectives. */
export async function acceptedMission(services: Services, knex: Knex, world: World, setup: MissionSetup, typeId = setup.types.diag): Promise<string> {
  const operator = await actorOf(knex, world.users.operator.id);
  const adviser = await actorOf(knex, world.users.social_adviser.id);
  const id = await services.missions.order(operator, {
    householdId: setup.householdA,
    missionTypeId: typeId,
    reason: 'Retards de loyer répétés',
    adviserId: world.users.social_adviser.id,
  });
  await services.missions.accept(adviser, id, await missionVersion(knex, id), {
    consentDate: '2026-11-20',
    consentMethod: 'in_person',
    objectives: [
      { category: 'budget', text: 'Établir un budget mensuel' },
      { category: 'rights', text: 'Ouvrir les droits CAF' },
    ],
  });
  return id;
}

/**
 * Support missions of landlord A met on one day: each ordered, accepted with one budget objective,
 * one 90-minute home visit; the first completed with its objective reached (the November scenario
 * the statistics and the funder's reporting both count).
 */
export async function missionsMetOn(
  services: Services,
  knex: Knex,
  world: World,
  setup: MissionSetup,
  o: { count: number; postcode: string; heldOn: string },
): Promise<string[]> {
  const operator = await actorOf(knex, world.users.operator.id);
  const adviser = await actorOf(knex, world.users.social_adviser.id);
  const ids: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const household = (await insertHousehold(knex, world.landlordA.id, { postcode: o.postcode })).id;
    const id = await services.missions.order(operator, {
      householdId: household,
      missionTypeId: setup.types.diag,
      reason: 'Retards de loyer',
      adviserId: world.users.social_adviser.id,
    });
    await services.missions.accept(adviser, id, await missionVersion(knex, id), {
      consentDate: o.heldOn,
      consentMethod: 'in_person',
      objectives: [{ category: 'budget', text: 'Établir un budget mensuel' }],
    });
    await services.missions.recordSession(adviser, id, {
      heldOn: o.heldOn,
      durationMinutes: 90,
      kind: 'home_visit',
      participants: 'Le ménage',
      summary: 'Point sur le budget',
    });
    if (i === 0) await services.missions.complete(adviser, id, await missionVersion(knex, id), { results: { 1: 'reached' }, outcome: 'Budget établi' });
    ids.push(id);
  }
  return ids;
}
