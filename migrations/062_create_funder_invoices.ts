import type { Knex } from 'knex';

/**
 * What the association bills Action Logement each month (docs/echanges/facturation.md): one
 * invoice per month, numbered without a gap per year of issue (`funder_invoice_sequences`, a row per
 * year incremented in the invoicing transaction), its PDF and the FACTURATION file that carries its
 * lines; each line, and the mission billing line it bills — unique, so that a billing line can
 * never be invoiced twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('funder_invoice_sequences', (t) => {
    t.integer('year').primary();
    t.integer('last_number').notNullable();
  });

  await knex.schema.createTable('funder_invoices', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // F2026-000001: the year of issue and its sequence
    t.text('number').notNullable().unique();
    t.integer('year').notNullable();
    t.integer('sequence').notNullable();
    // the month billed, AAAA-MM
    t.text('month').notNullable();
    t.date('issued_on').notNullable();
    t.date('due_on').notNullable();
    t.integer('lines').notNullable();
    t.bigInteger('missions_cents').notNullable();
    t.bigInteger('fees_cents').notNullable();
    // the association is not subject to VAT: TTC = HT
    t.bigInteger('total_ht_cents').notNullable();
    t.bigInteger('total_ttc_cents').notNullable();
    t.uuid('pdf_blob_id').notNullable().references('blobs.id');
    t.uuid('funder_file_id').notNullable().unique().references('funder_files.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['year', 'sequence']);
    t.index(['month']);
  });
  await knex.raw('alter table funder_invoices add constraint funder_invoices_totals check (total_ttc_cents = total_ht_cents and total_ht_cents = missions_cents + fees_cents)');

  await knex.schema.createTable('funder_invoice_lines', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('invoice_id').notNullable().references('funder_invoices.id');
    t.integer('line').notNullable();
    // the FACTURATION record's id, unique in the flow for ever
    t.text('record_id').notNullable().unique();
    t.text('nature').notNullable().checkIn(['accompagnement', 'frais_gestion', 'aide_versee']);
    // the mission billing line it bills: once, ever
    t.uuid('billing_line_id').nullable().unique().references('mission_billing_lines.id');
    t.text('reference').nullable();
    t.text('label').notNullable();
    t.decimal('quantity', 12, 2).notNullable();
    t.text('unit').notNullable().checkIn(['heure', 'forfait', 'aide']);
    t.bigInteger('unit_price_cents').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.unique(['invoice_id', 'line']);
  });
  await knex.raw(
    "alter table funder_invoice_lines add constraint funder_invoice_lines_billing check ((nature = 'accompagnement') = (billing_line_id is not null))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('funder_invoice_lines');
  await knex.schema.dropTable('funder_invoices');
  await knex.schema.dropTable('funder_invoice_sequences');
}
