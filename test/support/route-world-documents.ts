import type { Knex } from 'knex';

/**
 * Issue 17 in the route world: papers asked of household A on its submitted request, and a file its
 * holder sent — the ids of the `:askId` and `:householdFileId` parameters of the household's routes.
 */
export async function buildHouseholdDocumentsWorld(
  knex: Knex,
  w: { requestId: string; personId: string; askedBy: string; blobId: string },
): Promise<{ askId: string; householdFileId: string }> {
  const request = await knex('aid_requests')
    .where({ id: w.requestId })
    .first<{ household_id: string; organisation_id: string }>('household_id', 'organisation_id');
  if (!request) throw new Error('route world: no request for the household documents');
  const [ask] = await knex('household_document_requests')
    .insert({
      request_id: w.requestId,
      household_id: request.household_id,
      organisation_id: request.organisation_id,
      kinds: JSON.stringify(['tax_notice']),
      message: 'Il manque l’avis d’imposition.',
      expected_by: '2026-12-07',
      asked_at: new Date('2026-11-20T10:00:00Z'),
      asked_by: w.askedBy,
    })
    .returning('id');
  const askId = (ask as { id: string }).id;
  const [upload] = await knex('request_uploads')
    .insert({
      request_id: w.requestId,
      household_document_request_id: askId,
      blob_id: w.blobId,
      filename: 'avis.pdf',
      uploaded_by: null,
      uploaded_by_person_id: w.personId,
      uploaded_at: new Date('2026-11-21T10:00:00Z'),
    })
    .returning('id');
  return { askId, householdFileId: (upload as { id: string }).id };
}
