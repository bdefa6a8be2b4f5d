import type { Knex } from 'knex';

/** Read traces on personal data (who, when, which record, no payload), append-only like the audit trail. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('access_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('user_id').notNullable().references('users.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('action').notNullable();
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.text('request_id').nullable();
    t.index(['entity_type', 'entity_id', 'occurred_at']);
    t.index(['user_id', 'occurred_at']);
  });
  await knex.raw(`
    create trigger access_events_no_update_delete before update or delete or truncate on access_events
    for each statement execute function audit_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('access_events');
}
