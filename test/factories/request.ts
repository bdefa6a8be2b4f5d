import type { Knex } from 'knex';

/** A draft request of a landlord for one of its households, with a plausible situation snapshot. */
export async function insertDraftRequest(knex: Knex, o: { organisationId: string; householdId: string; aidTypeId: string; createdBy: string; requestedCents?: number }): Promise<string> {
  const situation = {
    rentCents: 52000, chargesCents: 8000, housingAllowanceCents: 10000, fixedChargesCents: 0, arrearsCents: 0, arrearsMonths: null,
    cause: 'job_loss', causeComment: null, chargesIncreaseMonthlyCents: 0, chargesRegularisationCents: 0,
    members: [{ personId: '00000000-0000-0000-0000-000000000001', name: 'Julie Martin', employmentStatus: 'private_employee', resourcesCents: 150000 }],
  };
  const [row] = await knex('aid_requests')
    .insert({ organisation_id: o.organisationId, household_id: o.householdId, aid_type_id: o.aidTypeId, situation: JSON.stringify(situation), requested_cents: o.requestedCents ?? null, created_by: o.createdBy })
    .returning('id');
  return (row as { id: string }).id;
}
