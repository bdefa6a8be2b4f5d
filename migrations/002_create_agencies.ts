import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agencies', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organisation_id').notNullable().references('organisations.id').onDelete('restrict');
    t.text('name').notNullable();
    t.text('postcode').nullable();
    t.text('city').nullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'closed']);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // lets users reference (agency, organisation) so an agency always belongs to the user's organisation
    t.unique(['id', 'organisation_id']);
  });
  await knex.raw('create unique index agencies_org_name_uidx on agencies (organisation_id, lower(name))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agencies');
}
