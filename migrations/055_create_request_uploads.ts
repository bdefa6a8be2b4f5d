import type { Knex } from 'knex';

/**
 * Files received for a request before their type was chosen (several at once, or a file chosen
 * before its type): kept, listed to be classified, so that nothing needs choosing again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_uploads', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.uuid('blob_id').notNullable().references('blobs.id');
    t.text('filename').notNullable();
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_uploads');
}
