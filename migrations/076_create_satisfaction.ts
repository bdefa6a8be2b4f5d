import type { Knex } from 'knex';

/**
 * Satisfaction questionnaires (issue 17). The questionnaire is data (a version, 3 to 5 questions on a
 * scale of 1 to 5 with a word per step, one free comment). An invitation is sent once per subject — a
 * completed mission or an appointment held (unique kind + subject) — to one person of the household,
 * reached by a link whose token only the mail holds (its hash is kept). An answer is stored WITHOUT
 * the household or the person: mission type, adviser, kind and month only; the invitation only learns
 * that it was answered (`answered_at`, set in the answer's transaction, once).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('satisfaction_questionnaires', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.integer('version').notNullable().unique();
    t.text('title').notNullable();
    // [{ key, text, labels: [5 words, from 1 to 5] }, …] — 3 to 5 questions
    t.jsonb('questions').notNullable();
    t.text('comment_label').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    "alter table satisfaction_questionnaires add constraint satisfaction_questionnaires_questions check (jsonb_typeof(questions) = 'array' and jsonb_array_length(questions) between 3 and 5)",
  );
  // one questionnaire in force at a time
  await knex.raw('create unique index satisfaction_questionnaires_one_active_uidx on satisfaction_questionnaires (active) where active');

  await knex.schema.createTable('satisfaction_invitations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('questionnaire_id').notNullable().references('satisfaction_questionnaires.id');
    t.text('kind').notNullable().checkIn(['mission', 'appointment']);
    // the mission completed, or the appointment held
    t.uuid('subject_id').notNullable();
    t.uuid('mission_id').notNullable().references('missions.id');
    t.uuid('organisation_id').notNullable().references('organisations.id');
    t.uuid('mission_type_id').notNullable().references('mission_types.id');
    t.uuid('adviser_id').notNullable().references('users.id');
    t.uuid('household_id').notNullable().references('households.id');
    t.uuid('person_id').notNullable().references('persons.id');
    // sha-256 (hex) of the link's token: the token itself is only in the mail
    t.text('token_hash').notNullable().unique();
    t.uuid('mail_id').nullable().references('mail_outbox.id');
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
    // exactly one invitation per completed mission and per appointment held
    t.unique(['kind', 'subject_id']);
    t.index(['person_id', 'sent_at']);
    t.index(['household_id']);
  });
  await knex.raw('alter table satisfaction_invitations add constraint satisfaction_invitations_dates check (expires_at > sent_at and (answered_at is null or answered_at >= sent_at))');

  await knex.schema.createTable('satisfaction_answers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('questionnaire_id').notNullable().references('satisfaction_questionnaires.id');
    t.text('kind').notNullable().checkIn(['mission', 'appointment']);
    t.uuid('mission_type_id').notNullable().references('mission_types.id');
    t.uuid('adviser_id').notNullable().references('users.id');
    // the month answered (Paris), 2026-11: no date, no time, nothing that leads back to the invitation
    t.specificType('period', 'char(7)').notNullable();
    // { "<question key>": 1..5 }
    t.jsonb('scores').notNullable();
    t.text('comment').nullable();
    t.index(['mission_type_id', 'period']);
    t.index(['adviser_id', 'period']);
  });
  await knex.raw("alter table satisfaction_answers add constraint satisfaction_answers_values check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and jsonb_typeof(scores) = 'object' and (comment is null or char_length(comment) between 1 and 2000))");

  await knex('satisfaction_questionnaires').insert({
    version: 1,
    title: 'Votre avis nous aide',
    comment_label: 'Voulez-vous ajouter quelque chose ?',
    active: true,
    questions: JSON.stringify([
      { key: 'accueil', text: 'Avez-vous été bien accueilli ?', labels: ['Pas du tout', 'Plutôt non', 'Moyennement', 'Plutôt oui', 'Tout à fait'] },
      { key: 'ecoute', text: 'Vous êtes-vous senti écouté ?', labels: ['Pas du tout', 'Plutôt non', 'Moyennement', 'Plutôt oui', 'Tout à fait'] },
      { key: 'clarte', text: 'Les explications étaient-elles claires ?', labels: ['Pas du tout', 'Plutôt non', 'Moyennement', 'Plutôt oui', 'Tout à fait'] },
      { key: 'utilite', text: 'Cette aide vous a-t-elle été utile ?', labels: ['Pas du tout', 'Un peu', 'Moyennement', 'Beaucoup', 'Énormément'] },
    ]),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('satisfaction_answers');
  await knex.schema.dropTable('satisfaction_invitations');
  await knex.schema.dropTable('satisfaction_questionnaires');
}
