import type { Knex } from 'knex';

/**
 * The association's chart of accounts and journals, with the defaults the accountant confirms
 * (ANC 2018-06: 6571 aids granted, 4672 sundry creditors, 512 bank) and a code per payee for its
 * auxiliary (third-party) account.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.text('number').primary();
    t.text('label').notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("alter table accounts add constraint accounts_number_format check (number ~ '^[0-9]{3}[0-9A-Za-z]{0,17}$')");
  await knex('accounts').insert([
    { number: '6571', label: 'Aides financières octroyées' },
    { number: '4672', label: 'Créditeurs divers' },
    { number: '512', label: 'Banques' },
  ]);
  await knex.schema.createTable('journals', (t) => {
    t.text('code').primary();
    t.text('label').notNullable();
  });
  await knex.raw("alter table journals add constraint journals_code_format check (code ~ '^[A-Z0-9]{1,6}$')");
  await knex('journals').insert([
    { code: 'OD', label: 'Opérations diverses' },
    { code: 'BQ', label: 'Banque' },
  ]);
  await knex.raw('create sequence payee_account_seq');
  await knex.raw("alter table payees add column account_code text unique default ('T' || lpad(nextval('payee_account_seq')::text, 6, '0'))");
  await knex.raw('alter table payees alter column account_code set not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table payees drop column account_code');
  await knex.raw('drop sequence payee_account_seq');
  await knex.schema.dropTable('journals');
  await knex.schema.dropTable('accounts');
}
