import type { Knex } from 'knex';

/** The timeline of a request: status changes, messages shared with the landlord, internal notes. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('actor_user_id').nullable().references('users.id');
    t.text('actor_label').notNullable();
    t.text('kind').notNullable().checkIn(['status_change', 'message', 'note']);
    t.text('from_status').nullable();
    t.text('to_status').nullable();
    t.text('message').nullable();
    t.text('visibility').notNullable().defaultTo('shared').checkIn(['shared', 'internal']);
    t.index(['request_id', 'occurred_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_events');
}
