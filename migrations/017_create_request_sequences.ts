import type { Knex } from 'knex';

/** Last request number given per year, for gapless references like 2026-00042. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_sequences', (t) => {
    t.integer('year').primary();
    t.integer('last_number').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_sequences');
}
