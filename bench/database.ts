import knexFactory from 'knex';
import { type Database, openDatabase } from '../src/db/database';
import { migrateLatest } from '../src/db/migrations';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

/** A PostgreSQL database for a bench, created afresh on BENCH_SERVER_URL (the local server by default) and migrated. */
export async function freshBenchDatabase(name: string): Promise<{ db: Database; url: string }> {
  const admin = knexFactory({ client: 'pg', connection: SERVER, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const db = openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 4 });
  await migrateLatest(db.knex);
  return { db, url: url.toString() };
}
