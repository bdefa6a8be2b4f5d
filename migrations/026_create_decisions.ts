import type { Knex } from 'knex';

/**
 * Decisions on a request: proposed by an operator, applied at once or, above the aid type's
 * threshold, once a second person validated them. The database itself refuses a validation by
 * the proposer and a second pending proposal for the same request.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('decisions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('aid_requests.id');
    t.text('kind').notNullable().checkIn(['grant', 'refuse', 'adjourn']);
    t.text('status').notNullable().checkIn(['pending', 'applied', 'returned']);
    t.bigInteger('amount_cents').nullable();
    t.integer('instalments').nullable();
    t.date('first_due_date').nullable();
    t.text('reason_code').nullable();
    t.text('comment').nullable();
    t.date('adjourned_until').nullable();
    t.boolean('needs_validation').notNullable();
    t.uuid('proposed_by').notNullable().references('users.id');
    t.text('proposed_by_label').notNullable();
    t.timestamp('proposed_at', { useTz: true }).notNullable();
    t.uuid('validated_by').nullable().references('users.id');
    t.text('validated_by_label').nullable();
    t.timestamp('validated_at', { useTz: true }).nullable();
    t.text('validation_comment').nullable();
    t.uuid('letter_blob_id').nullable().references('blobs.id');
    t.index(['request_id', 'proposed_at']);
  });
  await knex.raw('create unique index decisions_one_pending_uidx on decisions (request_id) where status = \'pending\'');
  await knex.raw('create index decisions_pending_idx on decisions (proposed_at) where status = \'pending\'');
  await knex.raw('alter table decisions add constraint decisions_four_eyes check (validated_by is null or validated_by <> proposed_by)');
  await knex.raw(`alter table decisions add constraint decisions_grant_amount check (kind <> 'grant' or (amount_cents > 0 and instalments >= 1 and first_due_date is not null))`);
  await knex.raw(`alter table decisions add constraint decisions_refuse_reason check (kind <> 'refuse' or reason_code is not null)`);
  await knex.raw(`alter table decisions add constraint decisions_adjourn_date check (kind <> 'adjourn' or adjourned_until is not null)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('decisions');
}
