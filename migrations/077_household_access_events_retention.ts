import type { Knex } from 'knex';

/**
 * The household space's read traces are kept like the extranet's (migration 050): append-only,
 * except the rows older than a purge cutoff of six months or more declared in the deleting
 * transaction (`entraide.access_purge_before`), which the traces' purge deletes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop trigger household_access_events_no_update_delete on household_access_events');
  await knex.raw(`
    create trigger household_access_events_no_update_truncate before update or truncate on household_access_events
    for each statement execute function audit_events_append_only()`);
  await knex.raw(`
    create trigger household_access_events_purge_only before delete on household_access_events
    for each row execute function access_events_purge_guard()`);
  await knex.raw('create index household_access_events_occurred_idx on household_access_events (occurred_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index household_access_events_occurred_idx');
  await knex.raw('drop trigger household_access_events_purge_only on household_access_events');
  await knex.raw('drop trigger household_access_events_no_update_truncate on household_access_events');
  await knex.raw(`
    create trigger household_access_events_no_update_delete before update or delete or truncate on household_access_events
    for each statement execute function audit_events_append_only()`);
}
