import type { Knex } from 'knex';

/**
 * The kinds of social support the association offers (diagnostic social, accompagnement
 * budgétaire…), configured by administrators: a default planned duration and how a mission is
 * billed (hours × rate, or a flat fee).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mission_types', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('code').notNullable().unique();
    t.text('label').notNullable();
    t.text('description').nullable();
    t.integer('default_minutes').notNullable();
    t.text('billing_mode').notNullable().checkIn(['hourly', 'flat']);
    t.bigInteger('rate_cents').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("alter table mission_types add constraint mission_types_values check (default_minutes > 0 and rate_cents >= 0 and code ~ '^[A-Z0-9_]{2,12}$')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mission_types');
}
