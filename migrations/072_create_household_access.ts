import type { Knex } from 'knex';

/**
 * The household's own space, without an account: a personal link (only its hash is kept) made for
 * one person with an e-mail, opened by a one-time code mailed to that person (6 digits, 10 minutes,
 * 5 tries: only its keyed hash is kept), sessions in their own table and cookie, and the trace of
 * every read made from that space (append-only, like access_events).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('household_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().references('persons.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.text('token_hash').notNullable().unique();
    t.text('reason').notNullable().checkIn(['request', 'mission', 'asked', 'consent', 'documents', 'booking', 'staff']);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_opened_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['person_id', 'created_at']);
  });
  await knex.schema.createTable('household_codes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('link_id').notNullable().references('household_links.id');
    t.text('code_hash').notNullable();
    t.text('sent_to').notNullable(); // masked address, as shown to the person
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['link_id', 'created_at']);
  });
  await knex.raw('alter table household_codes add constraint household_codes_attempts check (attempts between 0 and 5)');
  await knex.schema.createTable('household_sessions', (t) => {
    t.string('sid', 255).primary();
    t.json('sess').notNullable();
    t.timestamp('expired', { useTz: true }).notNullable().index();
  });
  await knex.schema.createTable('household_access_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.uuid('person_id').notNullable().references('persons.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.text('action').notNullable();
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.text('request_id').nullable();
    t.index(['entity_type', 'entity_id', 'occurred_at']);
    t.index(['person_id', 'occurred_at']);
  });
  await knex.raw(`
    create trigger household_access_events_no_update_delete before update or delete or truncate on household_access_events
    for each statement execute function audit_events_append_only()`);
  // a GDPR request made by the person from their space lands in the same register (no staff author)
  await knex.raw('alter table rights_requests drop constraint rights_requests_channel_check');
  await knex.raw(
    "alter table rights_requests add constraint rights_requests_channel_check check (channel in ('mail', 'email', 'in_person', 'phone', 'landlord', 'household_space'))",
  );
  await knex.raw('alter table rights_requests alter column created_by drop not null');
  await knex.raw("alter table rights_requests add constraint rights_requests_author check (created_by is not null or channel = 'household_space')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table rights_requests drop constraint rights_requests_author');
  await knex.raw('alter table rights_requests drop constraint rights_requests_channel_check');
  await knex.raw("alter table rights_requests add constraint rights_requests_channel_check check (channel in ('mail', 'email', 'in_person', 'phone', 'landlord'))");
  await knex.schema.dropTable('household_access_events');
  await knex.schema.dropTable('household_sessions');
  await knex.schema.dropTable('household_codes');
  await knex.schema.dropTable('household_links');
}
