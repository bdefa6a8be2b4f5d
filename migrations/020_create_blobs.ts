import type { Knex } from 'knex';

/** Files kept in the database by default (uploads and generated files), size-limited and checksummed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('content_type').notNullable();
    t.integer('size').notNullable();
    t.text('sha256').notNullable();
    t.binary('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table blobs add constraint blobs_size check (size > 0 and size <= 20971520)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blobs');
}
