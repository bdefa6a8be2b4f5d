import type { Knex } from 'knex';

/**
 * Support data is kept two years after the last contact with the household (CNIL référentiel
 * "durées de conservation", social and médico-social sector); then the content of its missions is
 * erased — their dates, durations and billing lines stay. This marks when that happened.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('missions', (t) => {
    t.timestamp('anonymised_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('missions', (t) => {
    t.dropColumn('anonymised_at');
  });
}
