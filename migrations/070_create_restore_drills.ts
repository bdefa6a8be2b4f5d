import type { Knex } from 'knex';

/**
 * Restore drills (docs/continuite.md): each time a backup was restored into a scratch database
 * and checked — which backup, how old it was (RPO), how long fetching, restoring and checking
 * took (RTO), each check's result, and the error that stopped it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('restore_drills', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    // 'offsite' (fetched from the off-site storage) or 'local' (BACKUP_DIR)
    t.text('source').notNullable().checkIn(['offsite', 'local']);
    t.text('backup_name').nullable();
    t.timestamp('backup_at', { useTz: true }).nullable();
    t.integer('rpo_seconds').nullable();
    t.double('rto_seconds').nullable();
    t.boolean('ok').notNullable().defaultTo(false);
    t.jsonb('checks').notNullable().defaultTo('[]');
    t.text('error').nullable();
    t.index(['started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('restore_drills');
}
