import type { Knex } from 'knex';

/**
 * Read traces are kept a limited time (CNIL, journalisation: six months to a year by default) and
 * watched for unusual volumes. The traces stay append-only: only rows older than a cutoff declared
 * in the deleting transaction (`entraide.access_purge_before`), itself six months old or more, can
 * be deleted; updates and truncation are still refused. An alert is raised once per user and hour.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function access_events_purge_guard() returns trigger language plpgsql as $$
    declare
      cutoff timestamptz := nullif(current_setting('entraide.access_purge_before', true), '')::timestamptz;
    begin
      if cutoff is not null and cutoff <= now() - interval '6 months' and old.occurred_at < cutoff then
        return old;
      end if;
      raise exception 'access_events is append-only: only traces older than a purge cutoff of six months or more are deleted' using errcode = '42501';
    end $$`);
  await knex.raw('drop trigger access_events_no_update_delete on access_events');
  await knex.raw(`
    create trigger access_events_no_update_truncate before update or truncate on access_events
    for each statement execute function audit_events_append_only()`);
  await knex.raw(`
    create trigger access_events_purge_only before delete on access_events
    for each row execute function access_events_purge_guard()`);
  await knex.raw('create index access_events_occurred_idx on access_events (occurred_at)');

  await knex.schema.createTable('access_alerts', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('user_id').notNullable().references('users.id');
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.timestamp('period_end', { useTz: true }).notNullable();
    t.integer('records').notNullable();
    t.integer('threshold').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['user_id', 'period_start']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('access_alerts');
  await knex.raw('drop index access_events_occurred_idx');
  await knex.raw('drop trigger access_events_purge_only on access_events');
  await knex.raw('drop trigger access_events_no_update_truncate on access_events');
  await knex.raw(`
    create trigger access_events_no_update_delete before update or delete or truncate on access_events
    for each statement execute function audit_events_append_only()`);
  await knex.raw('drop function access_events_purge_guard()');
}
