import type { Knex } from 'knex';

/**
 * What Entraide sends to Action Logement (docs/echanges): every outbound record with its
 * acknowledgement (`funder_records`, the SUIVI outbox among them: an event is written there in the
 * transaction of the business change, and leaves in the next file); the control totals of a file
 * and when it left and was acknowledged; the ASD case number a request or a mission keeps when it
 * came from an orientation.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_requests', (t) => {
    t.text('orientation_asd').nullable();
    t.index(['orientation_asd']);
  });
  await knex.schema.alterTable('missions', (t) => {
    t.text('orientation_asd').nullable();
    t.index(['orientation_asd']);
  });

  await knex.schema.alterTable('funder_files', (t) => {
    t.jsonb('totals').nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.timestamp('acknowledged_at', { useTz: true }).nullable();
    // the 48-hour alert about a file left without acknowledgement, mailed once
    t.timestamp('overdue_notified_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('funder_records', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // the order records were written in (events of one instant too): the order they leave in
    t.specificType('position', 'bigserial').notNullable();
    t.text('flow').notNullable();
    // the record's id in the files: stable, unique per flow for ever; a corrected record leaves again under it
    t.text('record_id').notNullable();
    t.text('orientation_asd').nullable();
    // where the record comes from, for the person who corrects a rejected one
    t.text('source_type').nullable();
    t.uuid('source_id').nullable();
    t.jsonb('payload').notNullable();
    // a_envoyer (outbox) → envoye (in a file) → accepte | rejete | doublon (the funder's acknowledgement)
    t.text('status').notNullable().checkIn(['a_envoyer', 'envoye', 'accepte', 'rejete', 'doublon']);
    t.text('code').nullable();
    t.text('message').nullable();
    // the last file it left in
    t.uuid('file_id').nullable().references('funder_files.id');
    t.integer('sendings').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['flow', 'record_id']);
    t.index(['flow', 'status', 'position']);
    t.index(['file_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('funder_records');
  await knex.schema.alterTable('funder_files', (t) => {
    t.dropColumn('totals');
    t.dropColumn('sent_at');
    t.dropColumn('acknowledged_at');
    t.dropColumn('overdue_notified_at');
  });
  await knex.schema.alterTable('missions', (t) => t.dropColumn('orientation_asd'));
  await knex.schema.alterTable('aid_requests', (t) => t.dropColumn('orientation_asd'));
}
