import type { Knex } from 'knex';

/**
 * The association's own accounts, that the transfers leave from (one SEPA file per debtor account
 * and execution date). One is the default; an aid type may be paid from another one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('debtor_accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('label').notNullable();
    t.text('holder_name').notNullable();
    t.text('iban').notNullable().unique();
    t.text('bic').nullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index debtor_accounts_one_default_uidx on debtor_accounts (is_default) where is_default');
  await knex.schema.alterTable('aid_types', (t) => {
    t.uuid('debtor_account_id').nullable().references('debtor_accounts.id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_types', (t) => {
    t.dropColumn('debtor_account_id');
  });
  await knex.schema.dropTable('debtor_accounts');
}
