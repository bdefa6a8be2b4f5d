import type { Knex } from 'knex';

/** Mails carry attachments (payment notices in PDF); a failed mail is tried again later, with a limit. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_attachments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mail_id').notNullable().references('mail_outbox.id');
    t.text('filename').notNullable();
    t.text('content_type').notNullable();
    t.uuid('blob_id').notNullable().references('blobs.id');
    t.index(['mail_id']);
  });
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('next_attempt_at');
  });
  await knex.schema.dropTable('mail_attachments');
}
