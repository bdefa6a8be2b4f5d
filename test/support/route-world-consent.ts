import type { Knex } from 'knex';

/**
 * Issue 17 in the route world: household A's holder signed its consent online on the submitted
 * request — the ids of `:consentId` / `:consentFile` (household routes) and `:signatureId` (extranet).
 */
export async function buildConsentWorld(
  knex: Knex,
  w: { requestId: string; personId: string; blobId: string },
): Promise<{ consentId: string; consentFile: string }> {
  const request: { household_id: string; organisation_id: string } = await knex('aid_requests')
    .where({ id: w.requestId })
    .first('household_id', 'organisation_id');
  const at = new Date('2026-11-09T10:00:00Z');
  const [row] = await knex('consent_signatures')
    .insert({
      request_id: w.requestId,
      organisation_id: request.organisation_id,
      household_id: request.household_id,
      person_id: w.personId,
      status: 'signed',
      text_version: 'consentement-v1',
      document_blob_id: w.blobId,
      document_sha256: '0'.repeat(64),
      created_at: at,
      code_channel: 'email',
      code_sent_to: 'm•••@exemple.fr',
      code_sent_at: at,
      code_checked_at: at,
      signed_at: at,
      signed_blob_id: w.blobId,
      evidence_json_blob_id: w.blobId,
      evidence_pdf_blob_id: w.blobId,
    })
    .returning('id');
  return { consentId: (row as { id: string }).id, consentFile: 'document.pdf' };
}
