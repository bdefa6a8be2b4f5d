import type { Knex } from 'knex';

/**
 * The household's electronic consent (simple electronic signature, eIDAS art. 25): one row per
 * consent asked of a person for a request — the consent text PDF shown (its SHA-256 is what is
 * signed), the one-time code mailed to the person (only its keyed hash is kept: 6 digits, 10
 * minutes, 5 tries), the signed PDF and the evidence files once signed, the withdrawal. Every step
 * is an event of an append-only chain (each hash covers the previous one). The association's
 * demonstration signing certificate (when no SIGNING_P12_* is configured) is kept as a stored file
 * (encrypted at rest like every blob) so that it stays the same across restarts.
 * The request timeline gains a `consent` kind (signed, withdrawn).
 */
const EVENT_KINDS_BEFORE = ['status_change', 'message', 'note', 'information_request', 'information_answer', 'assignment', 'proposal', 'decision', 'reminder', 'payment'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_signatures', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('person_id').notNullable().references('persons.id');
    t.text('status').notNullable().checkIn(['pending', 'signed', 'withdrawn', 'cancelled']);
    t.text('text_version').notNullable();
    t.uuid('document_blob_id').notNullable().references('blobs.id');
    t.text('document_sha256').notNullable();
    t.uuid('requested_by').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.text('code_hash').nullable();
    t.text('code_channel').nullable();
    t.text('code_sent_to').nullable(); // masked address, as shown to the person
    t.timestamp('code_sent_at', { useTz: true }).nullable();
    t.timestamp('code_expires_at', { useTz: true }).nullable();
    t.integer('code_attempts').notNullable().defaultTo(0);
    t.timestamp('code_checked_at', { useTz: true }).nullable();
    t.timestamp('signed_at', { useTz: true }).nullable();
    t.text('signed_ip').nullable();
    t.text('signed_user_agent').nullable();
    t.uuid('signed_blob_id').nullable().references('blobs.id');
    t.uuid('evidence_json_blob_id').nullable().references('blobs.id');
    t.uuid('evidence_pdf_blob_id').nullable().references('blobs.id');
    t.binary('timestamp_token').nullable();
    t.timestamp('withdrawn_at', { useTz: true }).nullable();
    t.index(['request_id', 'created_at']);
    t.index(['person_id', 'status']);
  });
  await knex.raw('alter table consent_signatures add constraint consent_signatures_attempts check (code_attempts between 0 and 5)');
  await knex.raw(
    "alter table consent_signatures add constraint consent_signatures_signed check (status in ('pending', 'cancelled') or (signed_at is not null and signed_blob_id is not null))",
  );
  // at most one consent waiting or signed per request
  await knex.raw("create unique index consent_signatures_one_open on consent_signatures (request_id) where status in ('pending', 'signed')");

  await knex.schema.createTable('consent_signature_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('signature_id').notNullable().references('consent_signatures.id');
    t.integer('seq').notNullable();
    t.text('kind').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.jsonb('data').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.unique(['signature_id', 'seq']);
  });
  await knex.raw(`
    create trigger consent_signature_events_no_update_delete before update or delete or truncate on consent_signature_events
    for each statement execute function audit_events_append_only()`);

  await knex.schema.createTable('signing_keys', (t) => {
    t.text('name').primary();
    t.uuid('p12_blob_id').notNullable().references('blobs.id');
    t.text('subject').notNullable();
    t.text('fingerprint_sha256').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.raw('alter table request_events drop constraint request_events_kind_check');
  await knex.raw(
    `alter table request_events add constraint request_events_kind_check check (kind in (${[...EVENT_KINDS_BEFORE, 'consent'].map((k) => `'${k}'`).join(', ')}))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('request_events').where({ kind: 'consent' }).delete();
  await knex.raw('alter table request_events drop constraint request_events_kind_check');
  await knex.raw(`alter table request_events add constraint request_events_kind_check check (kind in (${EVENT_KINDS_BEFORE.map((k) => `'${k}'`).join(', ')}))`);
  await knex.schema.dropTable('signing_keys');
  await knex.schema.dropTable('consent_signature_events');
  await knex.schema.dropTable('consent_signatures');
}
