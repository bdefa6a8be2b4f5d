import type { Knex } from 'knex';

/**
 * The register of personal-data breaches (GDPR art. 33(5)), kept by the association's
 * administrators: every breach, notified to the CNIL or not, with its facts, effects and the
 * measures taken. Entries are never deleted (a trigger refuses it); edits are audited before/after.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_breaches', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigIncrements('number', { primaryKey: false });
    t.uuid('source_request_id').nullable().references('assistance_requests.id');
    t.text('nature').notNullable();
    t.text('people_categories').notNullable();
    t.integer('people_count').nullable();
    t.text('record_categories').notNullable();
    t.integer('record_count').nullable();
    t.text('consequences').notNullable();
    t.text('measures').notNullable();
    // « date de prise de connaissance »: the 72 hours to notify the CNIL run from here
    t.timestamp('aware_at', { useTz: true }).notNullable();
    t.text('cnil_status').notNullable().defaultTo('pending').checkIn(['pending', 'notified', 'not_notified']);
    t.timestamp('cnil_notified_at', { useTz: true }).nullable();
    t.text('cnil_reference').nullable();
    // why the notification came after 72 hours (art. 33(1))
    t.text('delay_reason').nullable();
    t.text('not_notified_reason').nullable();
    t.text('people_status').notNullable().defaultTo('pending').checkIn(['pending', 'informed', 'not_informed']);
    t.timestamp('people_informed_at', { useTz: true }).nullable();
    t.text('people_informed_how').nullable();
    t.text('people_not_informed_reason').nullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('version').notNullable().defaultTo(1);
  });
  await knex.raw(`alter table data_breaches add constraint data_breaches_counts check ((people_count is null or people_count >= 0) and (record_count is null or record_count >= 0))`);
  await knex.raw(`alter table data_breaches add constraint data_breaches_cnil check (
    (cnil_status = 'pending')
    or (cnil_status = 'notified' and cnil_notified_at is not null)
    or (cnil_status = 'not_notified' and not_notified_reason is not null))`);
  await knex.raw(`alter table data_breaches add constraint data_breaches_people check (
    (people_status = 'pending')
    or (people_status = 'informed' and people_informed_at is not null and people_informed_how is not null)
    or (people_status = 'not_informed' and people_not_informed_reason is not null))`);
  await knex.raw(`create or replace function data_breaches_kept() returns trigger language plpgsql as $$
    begin raise exception 'the breach register keeps every entry: data_breaches rows are never deleted'; end $$`);
  await knex.raw(`create trigger data_breaches_kept before delete on data_breaches for each row execute function data_breaches_kept()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger data_breaches_kept on data_breaches');
  await knex.raw('drop function data_breaches_kept()');
  await knex.schema.dropTable('data_breaches');
}
