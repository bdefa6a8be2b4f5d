import type { Knex } from 'knex';

/**
 * The booking pages' parameter for household A: an appointment it booked itself, already held
 * (so that an empty POST on it is refused, never changes it, whatever the order of the routes).
 */
export async function buildBookingWorld(knex: Knex, w: { householdId: string; organisationId: string; adviserId: string }): Promise<{ bookingId: string }> {
  const [row] = await knex('appointments')
    .insert({
      mission_id: null,
      household_id: w.householdId,
      organisation_id: w.organisationId,
      adviser_id: w.adviserId,
      starts_at: new Date('2026-11-02T09:00:00Z'),
      duration_minutes: 60,
      mode: 'in_person',
      place: 'Permanence, 21 quai d’Austerlitz',
      contact_name: 'Ménage A',
      contact_email: 'menage.a@exemple.fr',
      reason: 'Premier rendez-vous',
      booked_by: 'household',
      status: 'done',
      created_at: new Date('2026-10-20T09:00:00Z'),
    })
    .returning('id');
  return { bookingId: (row as { id: string }).id };
}
