import type { Knex } from 'knex';

/**
 * The payment schedule of granted aids: one row per instalment, in integer cents, with its payee's
 * bank details as they were at the decision. The payment jobs take them from `scheduled`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.uuid('decision_id').notNullable().references('decisions.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.integer('instalment').notNullable();
    t.integer('instalments').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.date('due_date').notNullable();
    t.text('payee_kind').notNullable();
    t.text('payee_name').notNullable();
    t.text('payee_iban').notNullable();
    t.text('payee_bic').nullable();
    t.text('status').notNullable().defaultTo('scheduled').checkIn(['scheduled', 'batched', 'sent', 'settled', 'rejected', 'cancelled']);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['decision_id', 'instalment']);
    t.index(['request_id']);
    t.index(['status', 'due_date']);
  });
  await knex.raw('alter table payments add constraint payments_amount_positive check (amount_cents > 0 and instalment >= 1 and instalment <= instalments)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payments');
}
