import type { Knex } from 'knex';

/**
 * The assistance desk (docs/assistance.md): any user opens a request to the association (question,
 * anomaly, access, data correction, security incident) from the page they were on; the association's
 * administrators triage it (priority and its due time, assignee, status) and answer in its thread.
 * Events are the thread: messages (shared with the requester), internal notes, changes of status or
 * triage. Attachments are blobs, like a request's message attachments.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assistance_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigIncrements('number', { primaryKey: false });
    t.uuid('requester_id').notNullable().references('users.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.text('category').notNullable().checkIn(['question', 'anomaly', 'access', 'data_correction', 'security_incident']);
    t.text('subject').notNullable();
    // the page the request was opened from: a path of the site, never its query
    t.text('from_path').nullable();
    t.text('priority').notNullable().checkIn(['low', 'normal', 'high', 'urgent']);
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.uuid('assignee_id').nullable().references('users.id');
    t.text('status').notNullable().defaultTo('new').checkIn(['new', 'in_progress', 'waiting_requester', 'resolved', 'closed']);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['requester_id', 'created_at']);
    t.index(['status', 'due_at']);
  });
  await knex.raw(`alter table assistance_requests add constraint assistance_requests_subject check (char_length(subject) between 1 and 200)`);
  await knex.raw(`alter table assistance_requests add constraint assistance_requests_from_path check (from_path is null or (from_path like '/%' and char_length(from_path) <= 500))`);

  await knex.schema.createTable('assistance_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('assistance_requests.id');
    t.text('kind').notNullable().checkIn(['message', 'note', 'change']);
    // shared: the requester reads it; internal: the association's administrators only
    t.text('visibility').notNullable().checkIn(['shared', 'internal']);
    t.uuid('author_id').nullable().references('users.id');
    t.text('author_label').notNullable();
    t.boolean('from_association').notNullable();
    t.text('message').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['request_id', 'created_at']);
  });

  await knex.schema.createTable('assistance_attachments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('assistance_requests.id');
    t.uuid('event_id').notNullable().references('assistance_events.id');
    t.uuid('blob_id').notNullable().references('blobs.id');
    t.text('filename').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('assistance_attachments');
  await knex.schema.dropTable('assistance_events');
  await knex.schema.dropTable('assistance_requests');
}
