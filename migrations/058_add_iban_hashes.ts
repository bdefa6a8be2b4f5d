import type { Knex } from 'knex';

/**
 * IBANs are stored encrypted (AES-256-GCM, a random IV per value): equal IBANs no longer compare
 * equal in SQL. A keyed hash (HMAC-SHA-256, `<keyId>:<hex>`) written next to each one answers
 * the lookups instead — the same IBAN on other households' requests, a supplier known by its
 * IBAN, one debtor account per IBAN. A migration cannot read the key: existing rows get their
 * hash (and their ciphertext) from `npm run cli -- rotate-key`. Until then the lookups also match
 * the plaintext rows, through partial indexes that empty themselves as rows get encrypted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_requests', (t) => {
    t.text('payee_iban_hash');
  });
  await knex.raw('drop index if exists aid_requests_payee_iban_created_idx');
  await knex.raw('create index aid_requests_payee_iban_hash_idx on aid_requests (payee_iban_hash, created_at desc) where payee_iban_hash is not null');
  await knex.raw("create index aid_requests_payee_iban_plain_idx on aid_requests (payee_iban, created_at desc) where payee_iban is not null and payee_iban not like 'enc:%'");

  await knex.schema.alterTable('bank_accounts', (t) => {
    t.text('iban_hash');
    t.dropIndex(['iban']);
  });
  await knex.raw('create index bank_accounts_iban_hash_idx on bank_accounts (iban_hash) where iban_hash is not null');
  await knex.raw("create index bank_accounts_iban_plain_idx on bank_accounts (iban) where iban not like 'enc:%'");

  await knex.schema.alterTable('debtor_accounts', (t) => {
    t.text('iban_hash');
    t.dropUnique(['iban']);
  });
  await knex.raw('create unique index debtor_accounts_iban_hash_uidx on debtor_accounts (iban_hash)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists debtor_accounts_iban_hash_uidx');
  await knex.schema.alterTable('debtor_accounts', (t) => {
    t.dropColumn('iban_hash');
    t.unique(['iban']);
  });
  await knex.raw('drop index if exists bank_accounts_iban_plain_idx');
  await knex.raw('drop index if exists bank_accounts_iban_hash_idx');
  await knex.schema.alterTable('bank_accounts', (t) => {
    t.dropColumn('iban_hash');
    t.index(['iban']);
  });
  await knex.raw('drop index if exists aid_requests_payee_iban_plain_idx');
  await knex.raw('drop index if exists aid_requests_payee_iban_hash_idx');
  await knex.schema.alterTable('aid_requests', (t) => {
    t.dropColumn('payee_iban_hash');
  });
  await knex.raw('create index aid_requests_payee_iban_created_idx on aid_requests (payee_iban, created_at desc) where payee_iban is not null');
}
