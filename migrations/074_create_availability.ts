import type { Knex } from 'knex';

/**
 * Advisers publish when they receive (weekly opening hours, days off, extra openings) and
 * households book a slot themselves, from their space or from the association's QR code (then
 * with no mission: a contact e-mail is required). A slot is never given twice: one live
 * appointment per adviser and start (this unique index), and the booking service takes a
 * transaction-level advisory lock per adviser before it checks overlaps (an exclusion constraint
 * would need btree_gist, which the embedded database does not ship).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('appointment_kinds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('label').notNullable().unique();
    t.integer('duration_minutes').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table appointment_kinds add constraint appointment_kinds_duration check (duration_minutes between 10 and 480)');
  await knex('appointment_kinds').insert([
    { label: 'Premier rendez-vous', duration_minutes: 60, position: 1 },
    { label: 'Point d’étape', duration_minutes: 30, position: 2 },
    { label: 'Aide aux démarches', duration_minutes: 45, position: 3 },
  ]);

  await knex.schema.createTable('availability_slots', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('adviser_id').notNullable().references('users.id');
    t.smallint('weekday').notNullable();
    t.text('from_time').notNullable();
    t.text('to_time').notNullable();
    t.text('mode').notNullable().checkIn(['in_person', 'phone', 'video']);
    t.text('place').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['adviser_id', 'weekday']);
  });
  await knex.raw(
    "alter table availability_slots add constraint availability_slots_hours check (weekday between 1 and 7 and from_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' and to_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' and from_time < to_time)",
  );

  await knex.schema.createTable('availability_exceptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('adviser_id').notNullable().references('users.id');
    t.text('kind').notNullable().checkIn(['closed', 'open']);
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.text('from_time').nullable();
    t.text('to_time').nullable();
    t.text('mode').nullable().checkIn(['in_person', 'phone', 'video']);
    t.text('place').nullable();
    t.text('note').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['adviser_id', 'starts_on']);
  });
  await knex.raw('alter table availability_exceptions add constraint availability_exceptions_dates check (starts_on <= ends_on)');
  await knex.raw(
    "alter table availability_exceptions add constraint availability_exceptions_hours check ((from_time is null and to_time is null) or (from_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' and to_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' and from_time < to_time))",
  );
  await knex.raw(
    "alter table availability_exceptions add constraint availability_exceptions_opening check (kind = 'closed' or (from_time is not null and mode is not null and place is not null))",
  );

  await knex.schema.alterTable('appointments', (t) => {
    t.uuid('household_id').nullable().references('households.id');
    t.uuid('organisation_id').nullable().references('organisations.id');
    t.uuid('kind_id').nullable().references('appointment_kinds.id');
    t.text('reason').nullable();
    t.text('contact_phone').nullable();
    t.text('booked_by').notNullable().defaultTo('adviser').checkIn(['adviser', 'household', 'public']);
    t.index(['household_id']);
  });
  await knex.raw('alter table appointments alter column mission_id drop not null');
  await knex.raw('alter table appointments add constraint appointments_contact check (mission_id is not null or contact_email is not null)');
  await knex.raw("create unique index appointments_one_per_slot on appointments (adviser_id, starts_at) where status in ('scheduled', 'confirmed')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index appointments_one_per_slot');
  await knex.raw('alter table appointments drop constraint appointments_contact');
  // appointments booked without a mission cannot be kept by the former table
  await knex('appointment_reminders').whereIn('appointment_id', knex('appointments').whereNull('mission_id').select('id')).delete();
  await knex('appointments').whereNull('mission_id').delete();
  await knex.raw('alter table appointments alter column mission_id set not null');
  await knex.schema.alterTable('appointments', (t) => {
    t.dropIndex(['household_id']);
    t.dropColumn('booked_by');
    t.dropColumn('contact_phone');
    t.dropColumn('reason');
    t.dropColumn('kind_id');
    t.dropColumn('organisation_id');
    t.dropColumn('household_id');
  });
  await knex.schema.dropTable('availability_exceptions');
  await knex.schema.dropTable('availability_slots');
  await knex.schema.dropTable('appointment_kinds');
}
