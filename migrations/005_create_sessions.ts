import type { Knex } from 'knex';

/** Table used by connect-session-knex (express-session store). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 255).primary();
    t.json('sess').notNullable();
    t.timestamp('expired', { useTz: true }).notNullable().index();
  });
  await knex.raw(`create index sessions_user_idx on sessions ((sess::jsonb #>> '{passport,user}'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
