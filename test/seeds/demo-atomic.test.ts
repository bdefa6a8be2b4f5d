import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { seedDemo } from '../../seeds/demo';
import { demoState } from '../../seeds/demo-state';
import { loadDemo } from '../../seeds/load-demo';
import { openDatabase } from '../../src/db/database';
import { migrateLatest } from '../../src/db/migrations';
import { insertOrganisation } from '../factories/organisation';
import { createTestDatabase } from '../support/database';
import { demoConfig } from '../support/demo-seed';

const silent = winston.createLogger({ silent: true });
const NOW = new Date('2026-12-02T10:00:00+01:00');
const count = async (knex: import('knex').Knex, table: string) => Number((await knex(table).count('* as c').first())?.c);

describe('the demo seed is whole or nothing', () => {
  it('leaves an empty database when it fails half way (here: at the support missions, after the requests)', async () => {
    const db = await createTestDatabase();
    try {
      await db.knex('mission_types').insert({ code: 'DIAG', label: 'Déjà là', default_minutes: 60, billing_mode: 'hourly', rate_cents: 1000 });
      await expect(loadDemo(db, demoConfig(), silent, NOW)).rejects.toThrow(/code existe déjà/);
      for (const table of ['organisations', 'users', 'households', 'aid_requests', 'payments', 'ledger_entries', 'missions', 'seed_runs'])
        expect([table, await count(db.knex, table)]).toEqual([table, 0]);
      expect(await demoState(db.knex)).toBe('empty');
    } finally {
      await db.close();
    }
  });

  it('tells a complete demo, a half-loaded one, an older complete one and other data apart', async () => {
    const db = await createTestDatabase();
    try {
      expect(await demoState(db.knex)).toBe('empty');
      await loadDemo(db, demoConfig(), silent, NOW);
      expect(await demoState(db.knex)).toBe('complete');
      // a demo loaded whole by a version without the marker is recognised, and marked
      await db.knex('seed_runs').del();
      expect(await demoState(db.knex)).toBe('complete');
      expect(await count(db.knex, 'seed_runs')).toBe(1);
    } finally {
      await db.close();
    }
    const half = await createTestDatabase();
    try {
      await seedDemo(half.knex, NOW); // what an interrupted older load left: members and people, no requests nor missions
      expect(await demoState(half.knex)).toBe('partial');
    } finally {
      await half.close();
    }
    const other = await createTestDatabase();
    try {
      await insertOrganisation(other.knex, { kind: 'association' });
      expect(await demoState(other.knex)).toBe('other');
    } finally {
      await other.close();
    }
  });

  it('a start on a half-loaded demo database stops with a French message saying what to do, and serves nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-partial-'));
    try {
      const db = openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pgdata') });
      await migrateLatest(db.knex);
      await seedDemo(db.knex, NOW);
      await db.close();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
        LOG_LEVEL: 'silent',
      };
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Démarrage refusé : la base contient des données de démonstration incomplètes');
      expect(run.stderr).toContain(`supprimez le dossier ${path.join(dataDir, 'pgdata')}`);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(run.stdout).not.toContain('est prêt');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
