import type { Knex } from 'knex';

/** The timeline of a request shows its payments: notices, rejections, re-issues, cancelled instalments. */
const BEFORE = ['status_change', 'message', 'note', 'information_request', 'information_answer', 'assignment', 'proposal', 'decision', 'reminder'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table request_events drop constraint request_events_kind_check');
  await knex.raw(`alter table request_events add constraint request_events_kind_check check (kind in (${[...BEFORE, 'payment'].map((k) => `'${k}'`).join(', ')}))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table request_events drop constraint request_events_kind_check');
  await knex.raw(`alter table request_events add constraint request_events_kind_check check (kind in (${BEFORE.map((k) => `'${k}'`).join(', ')}))`);
}
