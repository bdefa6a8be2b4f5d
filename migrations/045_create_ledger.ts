import type { Knex } from 'knex';

/**
 * The double-entry ledger. An entry is written once, validated as it is written, and never
 * changed or deleted (triggers refuse it): corrections are reversals. Its lines balance (a
 * deferred constraint trigger checks debit = credit and at least two lines at commit). Its number
 * is gapless per fiscal year (or per journal), taken from a counter row in the same transaction.
 * No entry is dated in a closed period. Matching (lettrage) and exports are kept beside the
 * entries, so that nothing ever rewrites them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ledger_counters', (t) => {
    t.integer('fiscal_year').notNullable();
    t.text('journal_code').notNullable();
    t.integer('last_number').notNullable();
    t.primary(['fiscal_year', 'journal_code']);
  });
  await knex.schema.createTable('closed_periods', (t) => {
    t.text('period').primary();
    t.uuid('closed_by').nullable().references('users.id');
    t.text('closed_by_label').notNullable();
    t.timestamp('closed_at', { useTz: true }).notNullable();
  });
  await knex.raw("alter table closed_periods add constraint closed_periods_format check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')");
  await knex.schema.createTable('ledger_entries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.integer('fiscal_year').notNullable();
    t.text('journal_code').notNullable().references('journals.code');
    t.integer('number').notNullable();
    t.text('number_text').notNullable().unique();
    t.date('entry_date').notNullable();
    t.text('piece_ref').notNullable();
    t.date('piece_date').notNullable();
    t.text('label').notNullable();
    t.timestamp('validated_at', { useTz: true }).notNullable();
    t.text('source_type').notNullable().checkIn(['grant', 'batch', 'rejection', 'cancellation']);
    t.uuid('request_id').nullable().references('aid_requests.id');
    t.uuid('batch_id').nullable().references('payment_batches.id');
    t.uuid('reverses_entry_id').nullable().references('ledger_entries.id');
    t.text('created_by_label').notNullable();
    t.index(['entry_date']);
    t.index(['request_id']);
    t.index(['fiscal_year', 'number']);
  });
  await knex.schema.createTable('ledger_lines', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('entry_id').notNullable().references('ledger_entries.id');
    t.integer('line_no').notNullable();
    t.text('account_number').notNullable();
    t.text('account_label').notNullable();
    t.text('aux_number').nullable();
    t.text('aux_label').nullable();
    t.text('label').notNullable();
    t.bigInteger('debit_cents').notNullable().defaultTo(0);
    t.bigInteger('credit_cents').notNullable().defaultTo(0);
    t.uuid('payment_id').nullable().references('payments.id');
    t.unique(['entry_id', 'line_no']);
    t.index(['account_number']);
    t.index(['aux_number']);
    t.index(['payment_id']);
  });
  await knex.raw('alter table ledger_lines add constraint ledger_lines_one_side check (debit_cents >= 0 and credit_cents >= 0 and ((debit_cents = 0) <> (credit_cents = 0)))');
  await knex.schema.createTable('ledger_matches', (t) => {
    t.uuid('line_id').primary().references('ledger_lines.id');
    t.text('code').notNullable();
    t.date('matched_on').notNullable();
    t.index(['code']);
  });

  await knex.raw(`
    create function ledger_immutable() returns trigger language plpgsql as $$
    begin
      raise exception 'a validated accounting entry is never changed or deleted: post a reversal' using errcode = '55000';
    end $$`);
  await knex.raw('create trigger ledger_entries_immutable before update or delete on ledger_entries for each row execute function ledger_immutable()');
  await knex.raw('create trigger ledger_lines_immutable before update or delete on ledger_lines for each row execute function ledger_immutable()');
  await knex.raw('create trigger ledger_entries_no_truncate before truncate on ledger_entries for each statement execute function ledger_immutable()');
  await knex.raw('create trigger ledger_lines_no_truncate before truncate on ledger_lines for each statement execute function ledger_immutable()');
  await knex.raw(`
    create function ledger_period_open() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from closed_periods where period = to_char(new.entry_date, 'YYYY-MM')) then
        raise exception 'the period % is closed: no entry may be dated in it', to_char(new.entry_date, 'YYYY-MM') using errcode = '55000';
      end if;
      return new;
    end $$`);
  await knex.raw('create trigger ledger_entries_period_open before insert on ledger_entries for each row execute function ledger_period_open()');
  await knex.raw(`
    create function ledger_entry_balanced() returns trigger language plpgsql as $$
    declare d bigint; c bigint; n integer; e uuid;
    begin
      if tg_table_name = 'ledger_entries' then e := new.id; else e := new.entry_id; end if;
      select coalesce(sum(debit_cents), 0), coalesce(sum(credit_cents), 0), count(*) into d, c, n from ledger_lines where entry_id = e;
      if n < 2 or d <> c then
        raise exception 'accounting entry % is not balanced (debit %, credit %, % lines)', e, d, c, n using errcode = '23514';
      end if;
      return null;
    end $$`);
  await knex.raw('create constraint trigger ledger_lines_balanced after insert on ledger_lines deferrable initially deferred for each row execute function ledger_entry_balanced()');
  await knex.raw('create constraint trigger ledger_entries_balanced after insert on ledger_entries deferrable initially deferred for each row execute function ledger_entry_balanced()');

  await knex.schema.createTable('accounting_exports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.integer('number').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.uuid('job_run_id').nullable().references('job_runs.id');
    t.uuid('file_blob_id').notNullable().references('blobs.id');
    t.text('file_name').notNullable();
    t.integer('entries').notNullable();
    t.integer('lines').notNullable();
    t.bigInteger('debit_cents').notNullable();
    t.bigInteger('credit_cents').notNullable();
    t.text('delivered_to').nullable();
  });
  await knex.schema.createTable('accounting_export_entries', (t) => {
    t.uuid('entry_id').primary().references('ledger_entries.id');
    t.uuid('export_id').notNullable().references('accounting_exports.id');
    t.index(['export_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('accounting_export_entries');
  await knex.schema.dropTable('accounting_exports');
  await knex.raw('drop trigger ledger_entries_no_truncate on ledger_entries');
  await knex.raw('drop trigger ledger_lines_no_truncate on ledger_lines');
  await knex.schema.dropTable('ledger_matches');
  await knex.schema.dropTable('ledger_lines');
  await knex.schema.dropTable('ledger_entries');
  await knex.schema.dropTable('closed_periods');
  await knex.schema.dropTable('ledger_counters');
  await knex.raw('drop function ledger_entry_balanced()');
  await knex.raw('drop function ledger_period_open()');
  await knex.raw('drop function ledger_immutable()');
}
