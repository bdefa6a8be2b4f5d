import type { Knex } from 'knex';

/**
 * The association's list of requests (every landlord, drafts excluded) in its default order, last
 * modified first; its counters by status when a name is searched (and a landlord's search within
 * one status); and the open requests by
 * status and instructor, counted for the queue's tabs from the index alone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create index aid_requests_updated_idx on aid_requests (updated_at desc, id desc) where status <> 'draft'");
  await knex.raw("create index aid_requests_status_search_idx on aid_requests (status, search_name text_pattern_ops) where status <> 'draft'");
  // a landlord's search within one status (without it the planner combines the two above)
  await knex.raw('create index aid_requests_org_status_search_idx on aid_requests (organisation_id, status, search_name text_pattern_ops)');
  await knex.raw("create index aid_requests_open_idx on aid_requests (status, assigned_to) where status in ('submitted', 'in_review', 'adjourned', 'awaiting_information')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists aid_requests_updated_idx');
  await knex.raw('drop index if exists aid_requests_status_search_idx');
  await knex.raw('drop index if exists aid_requests_org_status_search_idx');
  await knex.raw('drop index if exists aid_requests_open_idx');
}
