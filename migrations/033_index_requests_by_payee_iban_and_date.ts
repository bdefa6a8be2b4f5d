import type { Knex } from 'knex';

/** "The same IBAN used by other households": newest first, stopping after a few (a supplier's IBAN is on thousands). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists aid_requests_payee_iban_idx');
  await knex.raw('create index aid_requests_payee_iban_created_idx on aid_requests (payee_iban, created_at desc) where payee_iban is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists aid_requests_payee_iban_created_idx');
  await knex.raw('create index aid_requests_payee_iban_idx on aid_requests (payee_iban) where payee_iban is not null');
}
