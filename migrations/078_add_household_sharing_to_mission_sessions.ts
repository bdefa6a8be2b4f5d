import type { Knex } from 'knex';

/** A session's summary the adviser chose to share with the household (read in its own space); never the private notes. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mission_sessions', (t) => {
    t.boolean('shared_with_household').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mission_sessions', (t) => {
    t.dropColumn('shared_with_household');
  });
}
