import fs from 'node:fs';
import knexFactory from 'knex';
import { adminUrl, PGLITE_DUMP_ENV, RUN_ENV, TEMPLATE_ENV } from './env';

/** Drops the run's template and every per-file database left behind; removes the PGlite dump. */
export default async function globalTeardown(): Promise<void> {
  const dump = process.env[PGLITE_DUMP_ENV];
  if (dump && fs.existsSync(dump)) fs.unlinkSync(dump);
  const serverUrl = process.env.TEST_DATABASE_URL;
  const run = process.env[RUN_ENV];
  if (!serverUrl || !run || !process.env[TEMPLATE_ENV]) return;
  const admin = knexFactory({ client: 'pg', connection: adminUrl(serverUrl), pool: { min: 0, max: 1 } });
  try {
    const { rows } = await admin.raw<{ rows: Array<{ datname: string }> }>(`select datname from pg_database where datname like ?`, [`entraide_%${run}%`]);
    for (const { datname } of rows) await admin.raw(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.destroy();
  }
}
