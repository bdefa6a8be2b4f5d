import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { openDatabase } from '../../src/db/database';
import { migrateLatest } from '../../src/db/migrations';
import { adminUrl, databaseUrl, TEMPLATE_ENV, PGLITE_DUMP_ENV, RUN_ENV } from './env';

/**
 * Migrates once per run, then every test file starts from a copy: a dumped PGlite data folder
 * (default), or `CREATE DATABASE … TEMPLATE` on the PostgreSQL server of TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  process.env[RUN_ENV] = run;
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const template = `entraide_tpl_${run}`;
    const admin = knexFactory({ client: 'pg', connection: adminUrl(serverUrl), pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`create database ${template}`);
    } finally {
      await admin.destroy();
    }
    const db = openDatabase({ kind: 'postgres', url: databaseUrl(serverUrl, template), poolMax: 1 });
    try {
      await migrateLatest(db.knex);
    } finally {
      await db.close();
    }
    process.env[TEMPLATE_ENV] = template;
    return;
  }
  const db = openDatabase({ kind: 'pglite' });
  try {
    await migrateLatest(db.knex);
    const dump = await (db.pglite as NonNullable<typeof db.pglite>).dumpDataDir('none');
    const file = path.join(os.tmpdir(), `entraide-test-template-${run}.tar`);
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    process.env[PGLITE_DUMP_ENV] = file;
  } finally {
    await db.close();
  }
}
