import type { Knex } from 'knex';

/** A job run keeps the files it produced, and how many times another process found it taken and skipped. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('job_runs', (t) => {
    t.jsonb('outputs').nullable();
    t.integer('skipped_count').notNullable().defaultTo(0);
    t.timestamp('last_skipped_at', { useTz: true }).nullable();
    t.text('last_skipped_by').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('job_runs', (t) => {
    t.dropColumn('outputs');
    t.dropColumn('skipped_count');
    t.dropColumn('last_skipped_at');
    t.dropColumn('last_skipped_by');
  });
}
