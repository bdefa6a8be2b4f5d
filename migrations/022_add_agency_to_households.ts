import type { Knex } from 'knex';

/** The agency that manages a household (optional: small landlords have none). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('households', (t) => {
    t.uuid('agency_id').nullable();
    t.foreign(['agency_id', 'organisation_id']).references(['id', 'organisation_id']).inTable('agencies');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('households', (t) => {
    t.dropForeign(['agency_id', 'organisation_id']);
    t.dropColumn('agency_id');
  });
}
