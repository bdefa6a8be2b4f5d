import type { Knex } from 'knex';

/**
 * Aid requests: a household of a landlord asks for an aid type. The reference and the rules
 * version are given at submission; the situation is a snapshot taken with the request.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('aid_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('reference').nullable().unique();
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('aid_type_id').notNullable().references('aid_types.id');
    t.uuid('aid_type_version_id').nullable().references('aid_type_versions.id');
    t.text('status').notNullable().defaultTo('draft');
    t.jsonb('situation').notNullable();
    t.bigInteger('requested_cents').nullable();
    t.integer('requested_months').nullable();
    t.bigInteger('granted_cents').nullable();
    t.jsonb('consent').nullable();
    t.uuid('assigned_to').nullable().references('users.id');
    t.uuid('created_by').notNullable().references('users.id');
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organisation_id', 'status', 'updated_at']);
    t.index(['household_id', 'aid_type_id']);
    t.index(['status', 'submitted_at']);
  });
  await knex.raw(`alter table aid_requests add constraint aid_requests_status_check check (status in
    ('draft','submitted','in_review','awaiting_information','granted','refused','adjourned','withdrawn','in_payment','paid','closed'))`);
  await knex.raw('alter table aid_requests add constraint aid_requests_amounts check (coalesce(requested_cents, 0) >= 0 and coalesce(granted_cents, 0) >= 0)');
  // a submitted request always has its reference and its rules version
  await knex.raw(`alter table aid_requests add constraint aid_requests_submitted_bound check
    (status in ('draft', 'withdrawn') or (reference is not null and aid_type_version_id is not null and submitted_at is not null))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('aid_requests');
}
