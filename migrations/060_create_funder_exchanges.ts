import type { Knex } from 'knex';

/**
 * Exchanges with Action Logement (docs/echanges): every file sent or received, with its manifest
 * and acknowledgement; the sequence numbers per sender and flow; the orientations received from
 * the funder's ASD service, waiting in the « Orientations ASD » queue until someone turns them
 * into a request or a mission, or closes them with a reason.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('funder_sequences', (t) => {
    t.text('sender').notNullable();
    t.text('flow').notNullable();
    t.integer('last').notNullable();
    t.primary(['sender', 'flow']);
  });

  await knex.schema.createTable('funder_files', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('direction').notNullable().checkIn(['in', 'out']);
    t.text('name').notNullable().unique();
    t.text('flow').notNullable();
    t.text('sender').notNullable();
    t.integer('sequence').notNullable();
    t.date('period_start').nullable();
    t.date('period_end').notNullable();
    // in: recu (read, acknowledged) | rejete (refused whole); out: prepare | depose | accuse | rejete_en_partie | en_echec
    t.text('status').notNullable();
    t.integer('records').notNullable().defaultTo(0);
    t.integer('accepted').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.integer('duplicates').notNullable().defaultTo(0);
    t.text('sha256').notNullable();
    t.text('problem').nullable();
    t.uuid('data_blob_id').nullable().references('blobs.id');
    t.uuid('manifest_blob_id').nullable().references('blobs.id');
    t.uuid('ack_blob_id').nullable().references('blobs.id');
    // the acknowledgement Entraide writes for a file it received: a_envoyer until the transport took it
    t.text('ack_status').nullable().checkIn(['a_envoyer', 'envoye']);
    t.timestamp('ack_sent_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['direction', 'flow', 'created_at']);
    t.unique(['sender', 'flow', 'sequence']);
  });

  await knex.schema.createTable('funder_orientations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // the record id chosen by the funder: a second record with it is a doublon, never applied twice
    t.text('record_id').notNullable().unique();
    t.text('orientation_asd').notNullable();
    t.uuid('file_id').notNullable().references('funder_files.id');
    t.integer('line').notNullable();
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.date('oriented_on').notNullable();
    t.text('last_name').notNullable();
    t.text('first_names').notNullable();
    t.date('birth_date').notNullable();
    // the record as received (validated against orientation.v1): what prefills the request or mission
    t.jsonb('record').notNullable();
    t.text('status').notNullable().defaultTo('a_traiter').checkIn(['a_traiter', 'transformee', 'close']);
    t.text('close_reason').nullable().checkIn(['hors_parc_adherent', 'injoignable', 'besoin_couvert', 'refus_menage', 'autre']);
    t.uuid('closed_by').nullable().references('users.id');
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.uuid('aid_request_id').nullable().references('aid_requests.id');
    t.uuid('mission_id').nullable().references('missions.id');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['status', 'received_at']);
    t.index(['organisation_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('funder_orientations');
  await knex.schema.dropTable('funder_files');
  await knex.schema.dropTable('funder_sequences');
}
