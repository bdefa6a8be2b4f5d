import type { Knex } from 'knex';

/**
 * A list's filter saved as a report a person receives by mail, weekly or monthly, as XLSX
 * (docs/rapports.md): the list's query string as it was on the page, its frequency, and the last
 * period it was sent for — set in the same transaction as the mail, so a period is sent once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('list_subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id');
    t.text('list').notNullable().checkIn(['demandes']);
    t.text('name').notNullable();
    t.text('query').notNullable();
    t.text('frequency').notNullable().checkIn(['weekly', 'monthly']);
    // 2026-W49 or 2026-12: the last period a mail left for
    t.text('last_period').nullable();
    t.timestamp('last_sent_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['user_id', 'list', 'name']);
    t.index(['frequency']);
  });
  await knex.raw('alter table list_subscriptions add constraint list_subscriptions_name check (char_length(name) between 1 and 80)');
  await knex.raw('alter table list_subscriptions add constraint list_subscriptions_query check (char_length(query) <= 2000)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('list_subscriptions');
}
