import type { Knex } from 'knex';

/**
 * A second factor (TOTP, RFC 6238) for the association's administrators (ASVS 4.3.1): the shared
 * key once enrolled, when it was enrolled, and the last time step accepted (a code is used once).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('totp_secret');
    t.timestamp('totp_enabled_at', { useTz: true });
    t.bigInteger('totp_last_step');
  });
  await knex.raw('alter table users add constraint users_totp_enabled_has_secret check (totp_enabled_at is null or totp_secret is not null)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table users drop constraint users_totp_enabled_has_secret');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('totp_last_step');
    t.dropColumn('totp_enabled_at');
    t.dropColumn('totp_secret');
  });
}
