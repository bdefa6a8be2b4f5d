import type { Knex } from 'knex';
import type { HouseholdActor } from '../../../src/missions/availability/booking';
import type { Services } from '../../../src/services';
import { actorOf } from '../../factories/payment';
import { insertUser, type TestUser } from '../../factories/user';
import type { World } from '../../factories/world';

/** The three kinds seeded by migration 074, by label. */
export async function kindIds(knex: Knex): Promise<{ first: string; followUp: string; paperwork: string }> {
  const rows = await knex('appointment_kinds').select<Array<{ id: string; label: string }>>('id', 'label');
  const id = (label: string) => rows.find((r) => r.label === label)!.id;
  return { first: id('Premier rendez-vous'), followUp: id('Point d’étape'), paperwork: id('Aide aux démarches') };
}

/**
 * The world's adviser opens Monday 9:00–12:00 on site and Wednesday 14:00–17:00 by phone; a
 * second adviser opens Tuesday 9:00–12:00 by video.
 */
export async function openings(services: Services, knex: Knex, world: World): Promise<{ second: TestUser }> {
  const adviser = await actorOf(knex, world.users.social_adviser.id);
  await services.availability.addOpening(adviser, undefined, {
    weekday: 1,
    from: '09:00',
    to: '12:00',
    mode: 'in_person',
    place: 'Permanence, 21 quai d’Austerlitz',
  });
  await services.availability.addOpening(adviser, undefined, { weekday: 3, from: '14:00', to: '17:00', mode: 'phone', place: '01 23 45 67 89' });
  const second = await insertUser(knex, { organisationId: world.association.id, role: 'social_adviser', email: 'seconde.conseillere@asso.test' });
  const operator = await actorOf(knex, world.users.operator.id);
  await services.availability.addOpening(operator, second.id, { weekday: 2, from: '09:00', to: '12:00', mode: 'video', place: 'https://visio.exemple.fr/rdv' });
  return { second };
}

/** A household-space actor for a person of a household (what the household session gives). */
export async function householdOf(knex: Knex, householdId: string): Promise<HouseholdActor> {
  const h = await knex('households').where({ id: householdId }).first<{ organisation_id: string }>('organisation_id');
  const m = await knex('household_members').where({ household_id: householdId }).whereNull('to_date').first<{ person_id: string }>('person_id');
  return { personId: m.person_id, householdId, organisationId: h.organisation_id, label: 'Léa D.', author: { userId: null, name: 'Ménage — Léa D.' } };
}
