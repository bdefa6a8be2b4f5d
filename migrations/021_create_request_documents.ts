import type { Knex } from 'knex';

/** Supporting documents of a request; replacing one keeps the previous version. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_documents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.text('kind').notNullable();
    t.text('filename').notNullable();
    t.uuid('blob_id').notNullable().references('blobs.id');
    t.integer('version').notNullable();
    t.boolean('current').notNullable().defaultTo(true);
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['request_id', 'kind', 'version']);
  });
  await knex.raw('create unique index request_documents_current_uidx on request_documents (request_id, kind) where current');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_documents');
}
