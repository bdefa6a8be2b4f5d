import type { Knex } from 'knex';

/**
 * The statistics' aggregate tables (docs/statistiques.md), refreshed by the `statistics-refresh`
 * job from the business tables — never written by a business transaction, never read for a
 * person's data. Every figure is counted in the month (Paris time) its event happened: a request
 * received, decided, paid; a mission opened, ended; a session held.
 * - `stat_cells`: additive figures per month and cell (nature, type, landlord, département, cause,
 *   household composition, adviser for missions);
 * - `stat_delays`: how many delays of each length in days, per cell and measure — medians and 90th
 *   percentiles are read exactly from them, over any period and filter;
 * - `stat_households`: the households behind each cell (an id, never a name), for the distinct
 *   households helped over a period;
 * - `stat_refreshes`: when each refresh ran, what it covered and how long it took (« à jour au … »).
 */
export async function up(knex: Knex): Promise<void> {
  const dimensions = (t: Knex.CreateTableBuilder) => {
    t.string('month', 7).notNullable();
    t.text('nature').notNullable().checkIn(['aide', 'accompagnement']);
    // aid type or mission type
    t.uuid('type_id').notNullable();
    t.uuid('organisation_id').notNullable();
    t.text('departement').notNullable();
    // the request's cause of difficulty ('' when not given, and for missions)
    t.text('cause').notNullable();
    // members of the household as filed: '1', '2', '3-4', '5+' ('' for missions)
    t.text('composition').notNullable();
    // the mission's adviser (null for requests)
    t.uuid('adviser_id').nullable();
  };
  await knex.schema.createTable('stat_cells', (t) => {
    dimensions(t);
    for (const c of ['received', 'decided', 'granted', 'refused', 'adjourned', 'payments', 'opened', 'completed', 'interrupted', 'sessions', 'minutes', 'objectives', 'objectives_reached'])
      t.integer(c).notNullable().defaultTo(0);
    for (const c of ['requested_cents', 'granted_cents', 'paid_cents']) t.bigInteger(c).notNullable().defaultTo(0);
    t.index(['month', 'nature']);
    t.index(['organisation_id', 'month']);
  });
  await knex.schema.createTable('stat_delays', (t) => {
    dimensions(t);
    t.text('measure').notNullable().checkIn(['decision', 'first_payment', 'information']);
    t.integer('days').notNullable();
    t.integer('n').notNullable();
    t.index(['month', 'measure']);
  });
  await knex.schema.createTable('stat_households', (t) => {
    dimensions(t);
    t.uuid('household_id').notNullable();
    // helped: a grant decided, a transfer sent or a session held in the month
    t.boolean('helped').notNullable();
    t.index(['month', 'nature']);
  });
  await knex.schema.createTable('stat_refreshes', (t) => {
    t.bigIncrements('id').primary();
    t.text('scope').notNullable().checkIn(['recent', 'all']);
    t.specificType('months', 'text[]').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stat_refreshes');
  await knex.schema.dropTable('stat_households');
  await knex.schema.dropTable('stat_delays');
  await knex.schema.dropTable('stat_cells');
}
