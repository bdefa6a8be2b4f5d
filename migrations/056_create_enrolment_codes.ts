import type { Knex } from 'knex';

/**
 * Codes mailed to a user before a second factor is enrolled (ASVS 2.x, 4.3.1): the password alone
 * does not let anyone enrol a key. Only a keyed hash of the code is stored; a code is used once,
 * expires, and allows a few tries. The rows also count the mails sent, to throttle resending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('enrolment_codes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('cascade');
    t.text('code_hash').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('enrolment_codes');
}
