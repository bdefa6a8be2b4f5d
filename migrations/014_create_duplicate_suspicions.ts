import type { Knex } from 'knex';

/** Likely duplicates found when a person was saved, for the association to merge or dismiss. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('duplicate_suspicions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().references('persons.id');
    t.uuid('match_id').notNullable().references('persons.id');
    t.specificType('reasons', 'text[]').notNullable();
    t.uuid('reported_by').notNullable().references('users.id');
    t.timestamp('reported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('status').notNullable().defaultTo('open').checkIn(['open', 'merged', 'dismissed']);
    t.uuid('resolved_by').nullable().references('users.id');
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.unique(['person_id', 'match_id']);
    t.index(['status', 'reported_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('duplicate_suspicions');
}
