import type { Knex } from 'knex';

/**
 * What instruction needs on a request: its agency, the payee's bank details, who instructs it,
 * the information asked, the adjournment date, the checks as they were at submission, and a
 * normalised tenant name for searching.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_requests', (t) => {
    t.uuid('agency_id').nullable().references('agencies.id');
    t.text('payee_kind').nullable();
    t.text('payee_name').nullable();
    t.text('payee_iban').nullable();
    t.text('payee_bic').nullable();
    t.timestamp('assigned_at', { useTz: true }).nullable();
    t.timestamp('information_requested_at', { useTz: true }).nullable();
    t.timestamp('information_reminded_at', { useTz: true }).nullable();
    t.timestamp('information_answered_at', { useTz: true }).nullable();
    t.date('adjourned_until').nullable();
    t.jsonb('submit_checks').nullable();
    t.text('tenant_name').nullable();
    t.text('search_name').nullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table aid_requests add constraint aid_requests_payee_kind check (payee_kind is null or payee_kind in ('landlord', 'supplier', 'other'))`);
  await knex.raw('create index aid_requests_payee_iban_idx on aid_requests (payee_iban) where payee_iban is not null');
  await knex.raw('create index aid_requests_assigned_idx on aid_requests (assigned_to, status) where assigned_to is not null');
  await knex.raw('create index aid_requests_org_search_idx on aid_requests (organisation_id, search_name text_pattern_ops)');
  await knex.raw('create index aid_requests_search_idx on aid_requests (search_name text_pattern_ops)');
  await knex.raw('create index aid_requests_reference_idx on aid_requests (reference text_pattern_ops)');
  await knex.raw('create index aid_requests_org_agency_idx on aid_requests (organisation_id, agency_id, updated_at)');
  await knex.raw('create index aid_requests_status_decided_idx on aid_requests (status, decided_at)');
  await knex.raw('create index aid_requests_household_idx on aid_requests (household_id, status)');
}

export async function down(knex: Knex): Promise<void> {
  for (const i of ['payee_iban', 'assigned', 'org_search', 'search', 'reference', 'org_agency', 'status_decided', 'household']) await knex.raw(`drop index if exists aid_requests_${i}_idx`);
  await knex.raw('alter table aid_requests drop constraint aid_requests_payee_kind');
  await knex.schema.alterTable('aid_requests', (t) => {
    t.dropColumns('agency_id', 'payee_kind', 'payee_name', 'payee_iban', 'payee_bic', 'assigned_at', 'information_requested_at', 'information_reminded_at',
      'information_answered_at', 'adjourned_until', 'submit_checks', 'tenant_name', 'search_name', 'closed_at');
  });
}
