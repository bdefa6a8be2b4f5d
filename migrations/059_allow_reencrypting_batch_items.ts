import type { Knex } from 'knex';

/**
 * What a payment batch holds never changes (migration 040) — except the form its IBANs are stored
 * in: `rotate-key` encrypts them, and re-encrypts them under a new key. The trigger lets the
 * `iban` column change only inside a transaction that declared itself a re-encryption
 * (`set_config('entraide.reencrypting', 'on', true)`), and only to an encrypted value; the
 * rotation writes a value only after checking it decrypts to the same IBAN.
 */
const FROZEN = (ibanClause: string) => `
  create or replace function payment_batch_items_frozen() returns trigger language plpgsql as $$
  begin
    if tg_op = 'DELETE' then raise exception 'a batch item is never deleted' using errcode = '55000'; end if;
    if (new.batch_id, new.payment_id, new.end_to_end_id, new.amount_cents, new.bank_account_id, new.creditor_name, new.bic, new.remittance)
       is distinct from (old.batch_id, old.payment_id, old.end_to_end_id, old.amount_cents, old.bank_account_id, old.creditor_name, old.bic, old.remittance)
       or (${ibanClause})
       or (new.live and not old.live) then
      raise exception 'the content of a payment batch never changes' using errcode = '55000';
    end if;
    if old.live and not new.live and (select status from payment_batches where id = new.batch_id) <> 'cancelled' then
      raise exception 'only the items of a cancelled batch stop being live' using errcode = '55000';
    end if;
    return new;
  end $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(FROZEN(
    "new.iban is distinct from old.iban and (coalesce(current_setting('entraide.reencrypting', true), '') <> 'on' or new.iban not like 'enc:v1:%')",
  ));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(FROZEN('new.iban is distinct from old.iban'));
}
