import type { Knex } from 'knex';

/**
 * The register of the requests people make to exercise their GDPR rights (art. 15 to 21): who,
 * which right, when it was received, the legal deadline (one month, art. 12(3)), and when and how
 * it was answered.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rights_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('person_id').notNullable().references('persons.id');
    t.text('kind').notNullable().checkIn(['access', 'portability', 'rectification', 'erasure', 'restriction', 'objection']);
    t.date('received_on').notNullable();
    t.date('due_on').notNullable();
    t.text('channel').notNullable().checkIn(['mail', 'email', 'in_person', 'phone', 'landlord']);
    t.text('requester').notNullable();
    t.text('details').nullable();
    t.date('answered_on').nullable();
    t.text('answer').nullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['answered_on', 'due_on']);
    t.index(['person_id']);
  });
  await knex.raw('alter table rights_requests add constraint rights_requests_answer_complete check ((answered_on is null) = (answer is null))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rights_requests');
}
