import fs from 'node:fs';
import knexFactory from 'knex';
import { type Database, openDatabase } from '../../src/db/database';
import { adminUrl, databaseUrl, PGLITE_DUMP_ENV, RUN_ENV, TEMPLATE_ENV } from './env';

let counter = 0;
let dumpBytes: Buffer | null = null;

/** A fresh, migrated database for one test file: its own PGlite, or its own PostgreSQL database. */
export async function createTestDatabase(): Promise<Database> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const template = process.env[TEMPLATE_ENV];
    if (!template) throw new Error('global setup did not create the template database');
    const name = `entraide_t_${process.env[RUN_ENV]}_${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${counter++}`;
    const admin = knexFactory({ client: 'pg', connection: adminUrl(serverUrl), pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`create database "${name}" template "${template}"`);
    } finally {
      await admin.destroy();
    }
    const db = openDatabase({ kind: 'postgres', url: databaseUrl(serverUrl, name), poolMax: 10 });
    return {
      ...db,
      close: async () => {
        await db.close();
        const dropper = knexFactory({ client: 'pg', connection: adminUrl(serverUrl), pool: { min: 0, max: 1 } });
        try {
          await dropper.raw(`drop database if exists "${name}" with (force)`);
        } finally {
          await dropper.destroy();
        }
      },
    };
  }
  const dumpFile = process.env[PGLITE_DUMP_ENV];
  if (!dumpFile) throw new Error('global setup did not dump the PGlite template');
  dumpBytes ??= fs.readFileSync(dumpFile);
  const db = openDatabase({ kind: 'pglite', loadDataDir: new Blob([dumpBytes]) });
  await db.knex.raw('select 1');
  return db;
}

export const onPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);
