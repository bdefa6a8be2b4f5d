import fs from 'node:fs';
import type { Config } from './config';
import { type Database, openDatabase } from './db/database';
import { lockDataDir } from './db/data-dir-lock';
import { migrateLatest } from './db/migrations';

export interface OpenedDatabase {
  db: Database;
  appliedMigrations: string[];
  /** Closes the database, then releases the data-folder lock. */
  shutdown(): Promise<void>;
}

/** Opens the configured database (locking PGlite's folder first) and brings its schema up to date. */
export async function openConfiguredDatabase(config: Config): Promise<OpenedDatabase> {
  let release: () => void = () => {};
  let db: Database;
  if (config.database.kind === 'pglite') {
    release = lockDataDir(config.dataDir);
    fs.mkdirSync(config.database.dir, { recursive: true });
    db = openDatabase({ kind: 'pglite', dir: config.database.dir });
  } else {
    db = openDatabase({ kind: 'postgres', url: config.database.url, poolMax: config.database.poolMax, preparedStatements: config.database.preparedStatements });
  }
  try {
    const appliedMigrations = await migrateLatest(db.knex);
    fs.mkdirSync(config.exportDir, { recursive: true });
    return {
      db,
      appliedMigrations,
      shutdown: async () => {
        await db.close();
        release();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    release();
    throw err;
  }
}
