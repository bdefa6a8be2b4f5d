import type { Knex } from 'knex';

/** A landlord user restricted to the dossiers of their own agency (off by default: same organisation = same view). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('agency_restricted').notNullable().defaultTo(false);
  });
  await knex.raw('alter table users add constraint users_agency_restriction check (not agency_restricted or agency_id is not null)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropChecks(['users_agency_restriction']);
    t.dropColumn('agency_restricted');
  });
}
