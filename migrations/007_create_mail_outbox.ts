import type { Knex } from 'knex';

/** Every mail the extranet sends, with its delivery status (stored only when no SMTP is configured). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_outbox', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'sent', 'failed', 'stored']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.text('message_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.index(['status', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_outbox');
}
