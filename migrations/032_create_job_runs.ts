import type { Knex } from 'knex';

/**
 * Every run of every batch job: one row per (job, period), so a job run twice for the same period
 * finds the first run; status, counts, output and error are kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('job').notNullable();
    t.text('period_key').notNullable();
    t.text('status').notNullable().checkIn(['running', 'succeeded', 'failed']);
    t.text('started_by').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.jsonb('counts').nullable();
    t.text('error').nullable();
    t.integer('attempts').notNullable().defaultTo(1);
    t.unique(['job', 'period_key']);
    t.index(['started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_runs');
}
