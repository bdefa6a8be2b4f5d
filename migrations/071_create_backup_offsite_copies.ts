import type { Knex } from 'knex';

/**
 * The backups copied off-site (S3-compatible storage, docs/exploitation.md « Sauvegardes hors
 * site »), as this server pushed them: the metric `entraide_backup_offsite_age_seconds` reads the
 * newest here when scraped, never the storage itself. Rows of backups pruned off-site go too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_offsite_copies', (t) => {
    // the backup file's name, entraide-20261123-013000.tar.gz
    t.text('name').primary();
    t.bigInteger('bytes').notNullable();
    // when the backup was taken (from its name), and when its copy was complete off-site
    t.timestamp('taken_at', { useTz: true }).notNullable();
    t.timestamp('pushed_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('backup_offsite_copies');
}
