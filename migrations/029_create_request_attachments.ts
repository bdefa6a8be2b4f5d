import type { Knex } from 'knex';

/** Files attached to a message of the exchanges between landlord and association. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_attachments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.bigInteger('event_id').notNullable().references('request_events.id');
    t.uuid('blob_id').notNullable().references('blobs.id');
    t.text('filename').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['request_id']);
    t.index(['event_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_attachments');
}
