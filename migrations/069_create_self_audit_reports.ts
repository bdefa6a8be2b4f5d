import type { Knex } from 'knex';

/**
 * The weekly self-audit (docs/auto-controle.md): one report per ISO week (`2026-W48`, unique, so
 * that a second run of the same week makes nothing), with its counts by status, the checks as
 * they were found (jsonb: accounts proposed for deactivation, configuration, backups,
 * dependencies, keys) and the text mailed to the association's administrators.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('self_audit_reports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // the ISO week the report was made in, AAAA-Wss
    t.text('period_key').notNullable().unique();
    // the week the counts cover (failed logins, alerts): the ISO week before, Paris time
    t.timestamp('covers_from', { useTz: true }).notNullable();
    t.timestamp('covers_to', { useTz: true }).notNullable();
    t.integer('ok_count').notNullable();
    t.integer('review_count').notNullable();
    t.integer('alert_count').notNullable();
    t.jsonb('report').notNullable();
    t.text('text_body').notNullable();
    t.integer('recipients').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.raw("alter table self_audit_reports add constraint self_audit_reports_period check (period_key ~ '^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$')");
  await knex.raw('alter table self_audit_reports add constraint self_audit_reports_counts check (ok_count >= 0 and review_count >= 0 and alert_count >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('self_audit_reports');
}
