import type { Knex } from 'knex';

/**
 * Papers asked of the household itself (issue 17): when the association asks for information, it
 * may ask the household too, which then sends them from its own space. The files it sends land
 * with the request's received files (request_uploads), to classify like the landlord's: such a
 * file has no staff author but the person who sent it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('household_document_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    // document kinds (DOCUMENT_KINDS codes) and, in words, anything else expected
    t.jsonb('kinds').notNullable().defaultTo('[]');
    t.text('other').nullable();
    t.text('message').notNullable();
    t.date('expected_by').notNullable();
    t.timestamp('asked_at', { useTz: true }).notNullable();
    t.uuid('asked_by').notNullable().references('users.id');
    t.timestamp('answered_at', { useTz: true }).nullable();
    // the last mail telling the landlord and the instructor that files arrived (one per quiet quarter of an hour)
    t.timestamp('announced_at', { useTz: true }).nullable();
    t.index(['household_id', 'asked_at']);
    t.index(['request_id']);
  });
  await knex.raw('alter table request_uploads alter column uploaded_by drop not null');
  await knex.schema.alterTable('request_uploads', (t) => {
    t.uuid('uploaded_by_person_id').nullable().references('persons.id');
    t.uuid('household_document_request_id').nullable().references('household_document_requests.id');
  });
  await knex.raw('alter table request_uploads add constraint request_uploads_author check (uploaded_by is not null or uploaded_by_person_id is not null)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table request_uploads drop constraint request_uploads_author');
  // files sent by a household have no staff author: they cannot stay once the column is required again
  const sent = knex('request_uploads').whereNull('uploaded_by');
  const blobIds = (await sent.clone().select('blob_id')).map((r: { blob_id: string }) => r.blob_id);
  await sent.clone().delete();
  if (blobIds.length) await knex('blobs').whereIn('id', blobIds).delete();
  await knex.schema.alterTable('request_uploads', (t) => {
    t.dropColumn('household_document_request_id');
    t.dropColumn('uploaded_by_person_id');
  });
  await knex.raw('alter table request_uploads alter column uploaded_by set not null');
  await knex.schema.dropTable('household_document_requests');
}
