import type { Knex } from 'knex';

/** Timeline kinds for instruction: information asked and answered, assignments, decisions, letters, reminders. */
const KINDS = ['status_change', 'message', 'note', 'information_request', 'information_answer', 'assignment', 'proposal', 'decision', 'reminder'];

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: Array<{ conname: string }> }>(
    `select conname from pg_constraint where conrelid = 'request_events'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%kind%'`,
  );
  for (const r of rows) await knex.raw(`alter table request_events drop constraint "${r.conname}"`);
  await knex.raw(`alter table request_events add constraint request_events_kind_check check (kind in (${KINDS.map((k) => `'${k}'`).join(', ')}))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table request_events drop constraint request_events_kind_check');
  await knex.raw(`alter table request_events add constraint request_events_kind_check check (kind in ('status_change', 'message', 'note'))`);
}
