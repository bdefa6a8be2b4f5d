import type { Knex } from 'knex';

/** What a merge of two persons or two households did, kept to understand and undo it by hand. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('merges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('entity_type').notNullable().checkIn(['person', 'household']);
    t.uuid('survivor_id').notNullable();
    t.uuid('merged_id').notNullable();
    t.jsonb('merged_snapshot').notNullable(); // the merged record as it was
    t.jsonb('moved').notNullable(); // ids of the links moved to the survivor
    t.uuid('merged_by').notNullable().references('users.id');
    t.timestamp('merged_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['survivor_id']);
    t.index(['merged_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('merges');
}
