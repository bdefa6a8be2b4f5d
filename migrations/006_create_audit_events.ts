import type { Knex } from 'knex';

/** Append-only audit trail: who changed what, when, with the before/after values. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('actor_user_id').nullable().references('users.id');
    t.text('actor_label').notNullable(); // "Prénom Nom" at the time, or "ligne de commande"
    t.uuid('organisation_id').nullable().references('organisations.id'); // organisation owning the entity
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.text('action').notNullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.text('ip').nullable();
    t.text('request_id').nullable();
    t.index(['entity_type', 'entity_id', 'occurred_at']);
    t.index(['organisation_id', 'occurred_at']);
  });
  await knex.raw(`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only (% refused)', tg_op using errcode = '42501';
    end $$`);
  await knex.raw(`
    create trigger audit_events_no_update_delete before update or delete or truncate on audit_events
    for each statement execute function audit_events_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
  await knex.raw('drop function audit_events_append_only()');
}
