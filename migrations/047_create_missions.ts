import type { Knex } from 'knex';

/**
 * Support missions for a household, with their objectives and sessions. A mission is proposed
 * (by an operator, or asked by the landlord), accepted by the household (consent recorded) or
 * declined, run by one adviser, then completed or interrupted. Session summaries are shared with
 * the landlord in the report; private notes stay with the association.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mission_sequences', (t) => {
    t.integer('year').primary();
    t.integer('last_number').notNullable();
  });
  await knex.schema.createTable('missions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('reference').notNullable().unique();
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('request_id').nullable().references('aid_requests.id');
    t.uuid('mission_type_id').notNullable().references('mission_types.id');
    t.text('status').notNullable().checkIn(['proposed', 'accepted', 'declined', 'in_progress', 'completed', 'interrupted']);
    t.text('origin').notNullable().checkIn(['association', 'landlord']);
    t.text('reason').notNullable();
    t.integer('planned_minutes').notNullable();
    t.uuid('ordered_by').notNullable().references('users.id');
    t.text('ordered_by_label').notNullable();
    t.timestamp('ordered_at', { useTz: true }).notNullable();
    t.uuid('adviser_id').nullable().references('users.id');
    t.jsonb('consent').nullable();
    t.timestamp('accepted_at', { useTz: true }).nullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.text('decline_reason').nullable();
    t.text('interruption_reason').nullable();
    t.text('outcome').nullable();
    t.text('recommendations').nullable();
    t.uuid('report_blob_id').nullable().references('blobs.id');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organisation_id', 'status']);
    t.index(['adviser_id', 'status']);
    t.index(['household_id']);
    t.index(['status', 'ordered_at']);
  });
  await knex.raw("alter table missions add constraint missions_consent check (status in ('proposed', 'declined') or consent is not null)");
  await knex.raw("alter table missions add constraint missions_adviser check (status not in ('in_progress', 'completed') or adviser_id is not null)");
  await knex.raw("alter table missions add constraint missions_interruption check (status <> 'interrupted' or interruption_reason is not null)");
  await knex.schema.createTable('mission_objectives', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mission_id').notNullable().references('missions.id');
    t.integer('position').notNullable();
    t.text('category').notNullable();
    t.text('text').notNullable();
    t.text('result').nullable().checkIn(['reached', 'partly', 'not_reached']);
    t.unique(['mission_id', 'position']);
  });
  await knex.schema.createTable('mission_sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mission_id').notNullable().references('missions.id');
    t.date('held_on').notNullable();
    t.integer('duration_minutes').notNullable();
    t.text('kind').notNullable().checkIn(['home_visit', 'office', 'phone', 'video', 'accompanied']);
    t.text('participants').notNullable();
    t.text('summary').notNullable();
    t.text('private_notes').nullable();
    t.text('next_steps').nullable();
    t.uuid('recorded_by').notNullable().references('users.id');
    t.text('recorded_by_label').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['mission_id', 'held_on']);
  });
  await knex.raw('alter table mission_sessions add constraint mission_sessions_duration check (duration_minutes between 5 and 600)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mission_sessions');
  await knex.schema.dropTable('mission_objectives');
  await knex.schema.dropTable('missions');
  await knex.schema.dropTable('mission_sequences');
}
