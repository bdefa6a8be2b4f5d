import type { Knex } from 'knex';

/** Above this amount a proposed decision needs a second person's validation (null: one level only). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_types', (t) => {
    t.bigInteger('validation_threshold_cents').nullable();
  });
  await knex.raw('alter table aid_types add constraint aid_types_threshold_positive check (validation_threshold_cents is null or validation_threshold_cents >= 0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('aid_types', (t) => {
    t.dropChecks(['aid_types_threshold_positive']);
    t.dropColumn('validation_threshold_cents');
  });
}
