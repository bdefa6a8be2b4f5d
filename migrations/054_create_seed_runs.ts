import type { Knex } from 'knex';

/**
 * A data set loaded in one go (the demo) writes its row last, in the same transaction: a start
 * tells a complete demo from a database an older, interrupted load left half-filled.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('seed_runs', (t) => {
    t.text('name').primary();
    t.timestamp('completed_at', { useTz: true }).notNullable();
    t.timestamp('clock_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('seed_runs');
}
