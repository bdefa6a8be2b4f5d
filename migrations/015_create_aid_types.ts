import type { Knex } from 'knex';

/** Aid types of the catalogue (their rules live in versions). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('aid_types', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('code').notNullable().unique();
    t.text('label').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.specificType('payees', 'text[]').notNullable();
    t.text('group_code').nullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'archived']);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('aid_types');
}
