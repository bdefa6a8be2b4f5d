import type { Knex } from 'knex';

/**
 * Budget envelopes (docs/fonds.md): a fund pays some aid types over a period; its total comes
 * from contributions (a landlord's dwellings × an amount per dwelling, a funder's matching rate of
 * the landlords' contributions with an optional cap, a fixed endowment); optional allocations cap
 * what each landlord's grants may commit. Movements are written in the transaction of the money
 * event they follow (grant → commit, transfer sent → consume, rejection → unconsume, instalments
 * cancelled → release) and never change; the fund's running totals move with them, under the
 * fund's row lock, so that two grants on the last euros never both pass.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('funds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable().unique();
    t.text('analytic_code').notNullable().unique();
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.specificType('aid_type_codes', 'text[]').notNullable();
    t.bigInteger('total_cents').notNullable().defaultTo(0);
    t.bigInteger('committed_cents').notNullable().defaultTo(0);
    t.bigInteger('consumed_cents').notNullable().defaultTo(0);
    t.text('notes').nullable();
    // the 80 % warning went out (home page + mail once); cleared when the fund goes back under
    t.timestamp('warned_at', { useTz: true }).nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.uuid('created_by').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table funds add constraint funds_period check (ends_on >= starts_on)`);
  await knex.raw(`alter table funds add constraint funds_amounts check (total_cents >= 0 and committed_cents >= 0 and consumed_cents >= 0)`);
  await knex.raw(`alter table funds add constraint funds_name check (char_length(name) between 3 and 120)`);
  await knex.raw(`alter table funds add constraint funds_analytic_code check (analytic_code ~ '^[A-Z0-9_-]{2,20}$')`);

  await knex.schema.createTable('fund_contributions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('fund_id').notNullable().references('funds.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('kind').notNullable().checkIn(['landlord', 'matching', 'fixed']);
    t.uuid('organisation_id').nullable().references('organisations.id');
    t.text('funder_name').nullable();
    t.integer('dwellings').nullable();
    t.bigInteger('per_dwelling_cents').nullable();
    // basis points of the landlords' contributions: 5000 = 50 %
    t.integer('rate_bp').nullable();
    t.bigInteger('cap_cents').nullable();
    t.bigInteger('amount_cents').nullable();
    t.index(['fund_id']);
  });
  await knex.raw(`alter table fund_contributions add constraint fund_contributions_shape check (
    (kind = 'landlord' and organisation_id is not null and dwellings > 0 and per_dwelling_cents > 0)
    or (kind = 'matching' and funder_name is not null and rate_bp between 1 and 100000 and (cap_cents is null or cap_cents > 0))
    or (kind = 'fixed' and funder_name is not null and amount_cents > 0))`);

  await knex.schema.createTable('fund_allocations', (t) => {
    t.uuid('fund_id').notNullable().references('funds.id').onDelete('CASCADE');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.bigInteger('amount_cents').notNullable();
    t.primary(['fund_id', 'organisation_id']);
  });
  await knex.raw(`alter table fund_allocations add constraint fund_allocations_amount check (amount_cents > 0)`);

  await knex.schema.createTable('fund_movements', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('fund_id').notNullable().references('funds.id');
    t.text('kind').notNullable().checkIn(['commit', 'release', 'consume', 'unconsume']);
    t.bigInteger('amount_cents').notNullable();
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.uuid('decision_id').nullable().references('decisions.id');
    t.uuid('payment_id').nullable().references('payments.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('aid_type_code').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('by_label').notNullable();
    // an administrator granted above what remained: the reason, audited
    t.text('override_reason').nullable();
    t.index(['fund_id', 'occurred_at']);
    t.index(['fund_id', 'organisation_id']);
    t.index(['request_id']);
  });
  await knex.raw(`alter table fund_movements add constraint fund_movements_amount check (amount_cents > 0)`);
  // a decision commits once; a payment is consumed, unconsumed, released once each
  await knex.raw(`create unique index fund_movements_one_commit on fund_movements (decision_id) where kind = 'commit'`);
  await knex.raw(`create unique index fund_movements_once_per_payment on fund_movements (payment_id, kind) where payment_id is not null`);
  await knex.raw(`create or replace function fund_movements_immutable() returns trigger language plpgsql as $$
    begin raise exception 'fund movements are never changed nor deleted'; end $$`);
  await knex.raw(`create trigger fund_movements_immutable before update or delete on fund_movements for each row execute function fund_movements_immutable()`);

  await knex.schema.alterTable('decisions', (t) => {
    // the fund a grant commits on (chosen at the proposal), and an administrator's reason to go above what remains
    t.uuid('fund_id').nullable().references('funds.id');
    t.text('budget_override_reason').nullable();
  });
  await knex.schema.alterTable('ledger_lines', (t) => {
    // the fund's analytic code on the lines of an aid it pays (grant, transfers, rejections, cancellations)
    t.text('analytic_code').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_lines', (t) => t.dropColumn('analytic_code'));
  await knex.schema.alterTable('decisions', (t) => {
    t.dropColumn('budget_override_reason');
    t.dropColumn('fund_id');
  });
  await knex.raw('drop trigger fund_movements_immutable on fund_movements');
  await knex.raw('drop function fund_movements_immutable()');
  await knex.schema.dropTable('fund_movements');
  await knex.schema.dropTable('fund_allocations');
  await knex.schema.dropTable('fund_contributions');
  await knex.schema.dropTable('funds');
}