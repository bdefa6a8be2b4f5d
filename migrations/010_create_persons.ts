import type { Knex } from 'knex';

/** People, each in at most one household at a time (see household_members). Monthly resources in cents. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('persons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('civility').nullable().checkIn(['mme', 'm']);
    t.text('last_name').notNullable();
    t.text('first_names').notNullable();
    t.date('birth_date').notNullable();
    t.text('email').nullable();
    t.text('phone').nullable();
    t.text('employment_status').notNullable();
    t.text('employer_name').nullable();
    t.specificType('employer_siret', 'char(14)').nullable();
    t.bigInteger('resource_salary_cents').notNullable().defaultTo(0);
    t.bigInteger('resource_unemployment_cents').notNullable().defaultTo(0);
    t.bigInteger('resource_caf_cents').notNullable().defaultTo(0);
    t.bigInteger('resource_pension_cents').notNullable().defaultTo(0);
    t.bigInteger('resource_rsa_cents').notNullable().defaultTo(0);
    t.bigInteger('resource_other_cents').notNullable().defaultTo(0);
    // duplicate detection: last name and first name without accents, case, hyphens or spaces
    t.text('search_last_name').notNullable();
    t.text('search_first_name').notNullable();
    t.text('status').notNullable().defaultTo('active').checkIn(['active', 'merged']);
    t.uuid('merged_into_id').nullable().references('persons.id');
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table persons add constraint persons_resources_positive check (
    resource_salary_cents >= 0 and resource_unemployment_cents >= 0 and resource_caf_cents >= 0 and
    resource_pension_cents >= 0 and resource_rsa_cents >= 0 and resource_other_cents >= 0)`);
  await knex.raw(`alter table persons add constraint persons_employment_status_check check (employment_status in
    ('private_employee', 'public_employee', 'self_employed', 'job_seeker', 'retired', 'student', 'inactive'))`);
  await knex.raw("create index persons_identity_idx on persons (search_last_name, birth_date, search_first_name) where status = 'active'");
  // no "email is not null" in the predicate: the planner could not prove it from lower(email) = ? and would scan
  await knex.raw("create index persons_email_idx on persons (lower(email)) where status = 'active'");
  await knex.raw("create index persons_phone_idx on persons (phone) where status = 'active'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('persons');
}
