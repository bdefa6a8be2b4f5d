import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable().checkIn(['association', 'landlord', 'funder']);
    t.text('name').notNullable();
    t.specificType('siren', 'char(9)').nullable().unique();
    t.text('address_line1').nullable();
    t.text('address_line2').nullable();
    t.text('postcode').nullable();
    t.text('city').nullable();
    t.text('email').nullable();
    t.text('phone').nullable();
    t.date('member_since').nullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'suspended']);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index organisations_name_idx on organisations (lower(name))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('organisations');
}
