import type { Knex } from 'knex';

/**
 * Payees' bank accounts. A new or changed IBAN is `pending` until someone of the association
 * checks it against the RIB document and confirms it (the classic fraud path is a changed IBAN);
 * the confirmed one it replaces is kept as `replaced`. At most one confirmed and one pending
 * account per payee; the person who entered an account never confirms it (database check).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bank_accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('payee_id').notNullable().references('payees.id');
    t.text('holder_name').notNullable();
    t.text('iban').notNullable();
    t.text('bic').nullable();
    t.uuid('rib_blob_id').nullable().references('blobs.id');
    t.text('rib_filename').nullable();
    t.text('status').notNullable().checkIn(['pending', 'confirmed', 'rejected', 'replaced']);
    t.uuid('submitted_by').nullable().references('users.id');
    t.text('submitted_by_label').notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.uuid('reviewed_by').nullable().references('users.id');
    t.text('reviewed_by_label').nullable();
    t.timestamp('reviewed_at', { useTz: true }).nullable();
    t.text('review_comment').nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['payee_id', 'submitted_at']);
    t.index(['iban']);
  });
  await knex.raw("create unique index bank_accounts_one_confirmed_uidx on bank_accounts (payee_id) where status = 'confirmed'");
  await knex.raw("create unique index bank_accounts_one_pending_uidx on bank_accounts (payee_id) where status = 'pending'");
  await knex.raw('create index bank_accounts_pending_idx on bank_accounts (submitted_at) where status = \'pending\'');
  await knex.raw('alter table bank_accounts add constraint bank_accounts_four_eyes check (reviewed_by is null or submitted_by is null or reviewed_by <> submitted_by)');
  await knex.raw("alter table bank_accounts add constraint bank_accounts_reviewed check (status = 'pending' or status = 'replaced' or reviewed_at is not null)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bank_accounts');
}
