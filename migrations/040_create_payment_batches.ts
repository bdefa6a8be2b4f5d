import type { Knex } from 'knex';

/**
 * SEPA credit-transfer batches: one file per debtor account and execution date, made once and
 * never changed (database triggers refuse it), approved by a second person (four eyes, database
 * check), transmitted to the bank, settled, or cancelled before transmission. A payment is in at
 * most one live batch: a partial unique index on the batch items says so, not only the code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create sequence payment_batch_seq');
  await knex.schema.createTable('payment_batches', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigInteger('number').notNullable().unique();
    t.uuid('debtor_account_id').notNullable().references('debtor_accounts.id');
    t.date('execution_date').notNullable();
    t.text('msg_id').notNullable().unique();
    t.text('payment_info_id').notNullable();
    t.text('status').notNullable().checkIn(['generated', 'approved', 'transmitted', 'settled', 'cancelled']);
    t.integer('transaction_count').notNullable();
    t.bigInteger('control_sum_cents').notNullable();
    t.uuid('file_blob_id').notNullable().references('blobs.id');
    t.text('file_name').notNullable();
    t.text('file_sha256').notNullable();
    t.uuid('generated_by').nullable().references('users.id');
    t.text('generated_by_label').notNullable();
    t.timestamp('generated_at', { useTz: true }).notNullable();
    t.uuid('job_run_id').nullable().references('job_runs.id');
    t.uuid('approved_by').nullable().references('users.id');
    t.text('approved_by_label').nullable();
    t.timestamp('approved_at', { useTz: true }).nullable();
    t.uuid('transmitted_by').nullable().references('users.id');
    t.text('transmitted_by_label').nullable();
    t.timestamp('transmitted_at', { useTz: true }).nullable();
    t.uuid('settled_by').nullable().references('users.id');
    t.text('settled_by_label').nullable();
    t.timestamp('settled_at', { useTz: true }).nullable();
    t.uuid('cancelled_by').nullable().references('users.id');
    t.text('cancelled_by_label').nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.text('cancel_reason').nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['status', 'execution_date']);
  });
  await knex.raw("create unique index payment_batches_one_live_uidx on payment_batches (debtor_account_id, execution_date) where status <> 'cancelled'");
  await knex.raw('alter table payment_batches add constraint payment_batches_four_eyes check (approved_by is null or generated_by is null or approved_by <> generated_by)');
  await knex.raw('alter table payment_batches add constraint payment_batches_content check (transaction_count > 0 and control_sum_cents > 0)');

  await knex.schema.createTable('payment_batch_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('batch_id').notNullable().references('payment_batches.id');
    t.uuid('payment_id').notNullable().references('payments.id');
    t.text('end_to_end_id').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.uuid('bank_account_id').notNullable().references('bank_accounts.id');
    t.text('creditor_name').notNullable();
    t.text('iban').notNullable();
    t.text('bic').nullable();
    t.text('remittance').notNullable();
    t.boolean('live').notNullable().defaultTo(true);
    t.unique(['batch_id', 'end_to_end_id']);
    t.index(['batch_id']);
  });
  await knex.raw('create unique index payment_batch_items_one_live_uidx on payment_batch_items (payment_id) where live');

  // what a batch holds never changes: only its status moves, and its items only stop being live when it is cancelled
  await knex.raw(`
    create function payment_batches_content_frozen() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then raise exception 'a payment batch is never deleted' using errcode = '55000'; end if;
      if (new.number, new.debtor_account_id, new.execution_date, new.msg_id, new.payment_info_id, new.transaction_count, new.control_sum_cents, new.file_blob_id, new.file_sha256, new.generated_by, new.generated_at)
         is distinct from
         (old.number, old.debtor_account_id, old.execution_date, old.msg_id, old.payment_info_id, old.transaction_count, old.control_sum_cents, old.file_blob_id, old.file_sha256, old.generated_by, old.generated_at) then
        raise exception 'the content of a payment batch never changes' using errcode = '55000';
      end if;
      return new;
    end $$`);
  await knex.raw('create trigger payment_batches_frozen before update or delete on payment_batches for each row execute function payment_batches_content_frozen()');
  await knex.raw(`
    create function payment_batch_items_frozen() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then raise exception 'a batch item is never deleted' using errcode = '55000'; end if;
      if (new.batch_id, new.payment_id, new.end_to_end_id, new.amount_cents, new.bank_account_id, new.creditor_name, new.iban, new.bic, new.remittance)
         is distinct from (old.batch_id, old.payment_id, old.end_to_end_id, old.amount_cents, old.bank_account_id, old.creditor_name, old.iban, old.bic, old.remittance)
         or (new.live and not old.live) then
        raise exception 'the content of a payment batch never changes' using errcode = '55000';
      end if;
      if old.live and not new.live and (select status from payment_batches where id = new.batch_id) <> 'cancelled' then
        raise exception 'only the items of a cancelled batch stop being live' using errcode = '55000';
      end if;
      return new;
    end $$`);
  await knex.raw('create trigger payment_batch_items_frozen before update or delete on payment_batch_items for each row execute function payment_batch_items_frozen()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_batch_items');
  await knex.schema.dropTable('payment_batches');
  await knex.raw('drop function payment_batch_items_frozen()');
  await knex.raw('drop function payment_batches_content_frozen()');
  await knex.raw('drop sequence payment_batch_seq');
}
