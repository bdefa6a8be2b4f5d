import type { Knex } from 'knex';

/**
 * The monthly activity reports (docs/rapports.md): one per month and landlord, and one for the
 * whole association (organisation_id null), each a PDF and an XLSX kept as blobs, made and mailed
 * once — `unique nulls not distinct (month, organisation_id)` (PostgreSQL 15) also makes the
 * association's report, whose organisation is null, unique per month. And each user's choice not
 * to receive them by mail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('monthly_reports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // the month reported, AAAA-MM
    t.text('month').notNullable();
    // the landlord reported on; null: the whole association
    t.uuid('organisation_id').nullable().references('organisations.id');
    t.uuid('pdf_blob_id').notNullable().references('blobs.id');
    t.uuid('xlsx_blob_id').notNullable().references('blobs.id');
    // how many people it was mailed to (the last time it was sent)
    t.integer('recipients').notNullable();
    // 1, then one more each time it is made again on purpose (forced re-run)
    t.integer('edition').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw("alter table monthly_reports add constraint monthly_reports_month check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')");
  await knex.raw('alter table monthly_reports add constraint monthly_reports_once unique nulls not distinct (month, organisation_id)');
  await knex.raw('create index monthly_reports_organisation on monthly_reports (organisation_id, month)');

  await knex.schema.alterTable('users', (t) => {
    t.boolean('monthly_report_opt_out').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('monthly_report_opt_out');
  });
  await knex.schema.dropTable('monthly_reports');
}
