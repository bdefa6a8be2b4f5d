import type { Knex } from 'knex';

/**
 * Appointments of a mission's adviser with the household: a signed link (HMAC of the appointment,
 * nothing stored) lets the household confirm or cancel without an account, up to 24 hours before; each
 * reminder (the day before, 30 minutes before) is sent once — a unique row per appointment and
 * kind is written with the mail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('appointments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mission_id').notNullable().references('missions.id');
    t.uuid('adviser_id').notNullable().references('users.id');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.integer('duration_minutes').notNullable();
    t.text('mode').notNullable().checkIn(['in_person', 'phone', 'video']);
    t.text('place').notNullable();
    t.text('contact_name').notNullable();
    t.text('contact_email').nullable();
    t.text('status').notNullable().checkIn(['scheduled', 'confirmed', 'cancelled', 'done', 'no_show']);
    t.timestamp('confirmed_at', { useTz: true }).nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.text('cancelled_by_label').nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['adviser_id', 'starts_at']);
    t.index(['mission_id']);
  });
  await knex.raw("create index appointments_upcoming_idx on appointments (starts_at) where status in ('scheduled', 'confirmed')");
  await knex.raw('alter table appointments add constraint appointments_duration check (duration_minutes between 10 and 480)');
  await knex.schema.createTable('appointment_reminders', (t) => {
    t.uuid('appointment_id').notNullable().references('appointments.id');
    t.text('kind').notNullable().checkIn(['day_before', 'half_hour']);
    t.uuid('mail_id').nullable().references('mail_outbox.id');
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.primary(['appointment_id', 'kind']);
  });
  await knex.schema.createTable('mission_billing_lines', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mission_id').notNullable().unique().references('missions.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('period').notNullable();
    t.uuid('mission_type_id').notNullable().references('mission_types.id');
    t.text('billing_mode').notNullable();
    t.integer('minutes').notNullable();
    t.bigInteger('rate_cents').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['period', 'organisation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mission_billing_lines');
  await knex.schema.dropTable('appointment_reminders');
  await knex.schema.dropTable('appointments');
}
