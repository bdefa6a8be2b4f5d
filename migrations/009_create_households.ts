import type { Knex } from 'knex';

/** A household (ménage) renting a dwelling from a landlord member. Money in integer cents. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('households', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organisation_id').notNullable().references('organisations.id').onDelete('restrict');
    t.text('address_line1').notNullable();
    t.text('address_line2').nullable();
    t.text('postcode').notNullable();
    t.text('city').notNullable();
    t.text('housing_estate').nullable();
    t.text('tenancy_reference').notNullable();
    t.date('entry_date').nullable();
    t.bigInteger('rent_cents').notNullable();
    t.bigInteger('charges_cents').notNullable().defaultTo(0);
    t.bigInteger('housing_allowance_cents').notNullable().defaultTo(0);
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'merged']);
    t.uuid('merged_into_id').nullable().references('households.id');
    t.uuid('created_by').nullable().references('users.id');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organisation_id', 'status']);
  });
  await knex.raw('alter table households add constraint households_rent_positive check (rent_cents > 0 and charges_cents >= 0 and housing_allowance_cents >= 0)');
  await knex.raw('create index households_org_tenancy_idx on households (organisation_id, lower(tenancy_reference))');
  await knex.raw('create index households_org_postcode_idx on households (organisation_id, postcode)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('households');
}
