import type { Knex } from 'knex';

/**
 * Who receives the money: each landlord (one payee per landlord organisation) and the suppliers the
 * association pays directly (energy suppliers…), a list the association manages. Payment notices
 * go to the payee's notice address.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payees', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable().checkIn(['landlord', 'supplier']);
    t.uuid('organisation_id').nullable().unique().references('organisations.id');
    t.text('name').notNullable();
    t.text('notice_email').nullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'archived']);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("alter table payees add constraint payees_landlord_organisation check ((kind = 'landlord') = (organisation_id is not null))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payees');
}
