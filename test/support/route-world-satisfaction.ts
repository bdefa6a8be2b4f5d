import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Issue 17 in the route world: a satisfaction questionnaire sent to household A's holder after its
 * closed mission — the `:surveyId` (the space's answer page) and `:surveyToken` (the mailed link).
 */
export async function buildSatisfactionWorld(knex: Knex, w: { missionId: string; personId: string }): Promise<{ surveyId: string; surveyToken: string }> {
  const mission = await knex('missions')
    .where({ id: w.missionId })
    .first<{ organisation_id: string; household_id: string; mission_type_id: string; adviser_id: string }>(
      'organisation_id',
      'household_id',
      'mission_type_id',
      'adviser_id',
    );
  const questionnaire = await knex('satisfaction_questionnaires').where({ active: true }).first<{ id: string }>('id');
  const surveyToken = randomBytes(32).toString('base64url');
  const [row] = await knex('satisfaction_invitations')
    .insert({
      questionnaire_id: questionnaire.id,
      kind: 'mission',
      subject_id: w.missionId,
      mission_id: w.missionId,
      organisation_id: mission.organisation_id,
      mission_type_id: mission.mission_type_id,
      adviser_id: mission.adviser_id,
      household_id: mission.household_id,
      person_id: w.personId,
      token_hash: createHash('sha256').update(surveyToken).digest('hex'),
      sent_at: new Date('2026-11-20T09:00:00Z'),
      expires_at: new Date('2027-01-19T09:00:00Z'),
    })
    .returning('id');
  return { surveyId: (row as { id: string }).id, surveyToken };
}
