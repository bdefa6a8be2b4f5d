import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organisation_id').notNullable().references('organisations.id').onDelete('restrict');
    t.uuid('agency_id').nullable();
    t.text('role')
      .notNullable()
      .checkIn(['admin', 'operator', 'social_adviser', 'accountant', 'auditor', 'landlord_admin', 'landlord_instructor']);
    t.text('email').notNullable();
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.text('phone').nullable();
    t.text('password_hash').nullable(); // null until the invitation is accepted
    t.timestamp('password_changed_at', { useTz: true }).nullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'deactivated']);
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.timestamp('previous_login_at', { useTz: true }).nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.foreign(['agency_id', 'organisation_id']).references(['id', 'organisation_id']).inTable('agencies');
    t.index(['organisation_id']);
  });
  await knex.raw('create unique index users_email_uidx on users (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
