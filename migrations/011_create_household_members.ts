import type { Knex } from 'knex';

/** Who lived in which household, from when to when. A person has at most one current membership. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('household_members', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('person_id').notNullable().references('persons.id');
    t.text('relationship').notNullable().checkIn(['holder', 'co_holder', 'spouse', 'child', 'other']);
    t.date('from_date').notNullable();
    t.date('to_date').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['household_id']);
    t.index(['person_id']);
  });
  await knex.raw('alter table household_members add constraint household_members_period check (to_date is null or to_date >= from_date)');
  await knex.raw('create unique index household_members_one_current_uidx on household_members (person_id) where to_date is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('household_members');
}
