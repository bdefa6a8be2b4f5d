import type { Knex } from 'knex';

/** A landlord's list in its default order (last modified first), and the recently decided requests. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index aid_requests_org_updated_idx on aid_requests (organisation_id, updated_at desc, id desc)');
  await knex.raw('create index aid_requests_decided_idx on aid_requests (decided_at desc) where decided_at is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists aid_requests_org_updated_idx');
  await knex.raw('drop index if exists aid_requests_decided_idx');
}
