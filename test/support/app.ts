import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createLogger } from '../../src/logger';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createServices, type Services } from '../../src/services';
import { FakeClock } from '../../src/shared/clock';
import { createTestDatabase } from './database';

export interface TestContext {
  db: Database;
  knex: Knex;
  services: Services;
  app: Express;
  clock: FakeClock;
  /** Every log line the app wrote, as JSON strings (to prove what is and is not logged). */
  logs: string[];
  close(): Promise<void>;
}

export const TEST_NOW = new Date('2026-11-23T09:00:00.000Z');

/** The real app on a fresh database, with a fake clock and captured logs. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  const db = await createTestDatabase();
  const clock = new FakeClock(TEST_NOW);
  const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-test-funder-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    BASE_URL: 'http://entraide.test',
    DATA_DIR: '/tmp/entraide-test-data',
    // the funder's two folders (folder transport): one pair per app, so that no test reads another's files
    FUNDER_DIR: funderDir,
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk).trim());
      cb();
    },
  });
  // the production logger (its redaction included) writing into the capture
  const logger = createLogger('info', sink);
  const services = createServices(db, config, clock, logger);
  const app = createApp(services);
  return {
    db,
    knex: db.knex,
    services,
    app,
    clock,
    logs,
    close: async () => {
      services.mailer.close();
      await db.close();
      fs.rmSync(funderDir, { recursive: true, force: true });
    },
  };
}
