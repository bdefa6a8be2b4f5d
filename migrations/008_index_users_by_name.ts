import type { Knex } from 'knex';

/** The users list is sorted by name: an index makes its first page an index scan, not a sort of every user. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index users_name_idx on users (lower(last_name), lower(first_name), id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index users_name_idx');
}
