import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import winston from 'winston';
import { BackupService, restorePglite } from '../../src/backup/service';
import { openDatabase } from '../../src/db/database';
import { backup } from '../../src/jobs/definitions/backup';
import { ValidationError } from '../../src/shared/errors';
import { adminUrl, databaseUrl } from '../support/env';
import { onPostgres } from '../support/database';
import { TEST_NOW } from '../support/app';
import { useWorld } from '../support/world';
import { $, loginAs } from '../support/http';

/**
 * Backups of the whole database (the embedded folder, or pg_dump on PostgreSQL): complete files
 * with their SHA-256, the newest kept, a tampered file refused, and a restore that gives back the
 * data as it was when the backup was taken.
 */
const jobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-job-backups-'));
const t = useWorld({ BACKUP_DIR: jobDir });
const silent = winston.createLogger({ silent: true });
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-backups-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(jobDir, { recursive: true, force: true });
});

const marker = (name: string) => t.ctx.knex('organisations').insert({ kind: 'landlord', name, city: 'Lyon' });

describe('backups', () => {
  it('writes a complete file with its SHA-256, keeps the newest ones and refuses a tampered file', async () => {
    const service = new BackupService({ db: t.ctx.db, dir, keep: 2, logger: silent });
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await service.create(new Date(TEST_NOW.getTime() + i * 1000)));
    expect(service.list()).toEqual([made[2]?.file, made[1]?.file]);
    expect(fs.existsSync(made[0]?.file as string)).toBe(false);
    const last = made[2] as { file: string; bytes: number; sha256: string };
    expect(last.bytes).toBeGreaterThan(1000);
    expect(fs.readFileSync(`${last.file}.sha256`, 'utf8')).toBe(`${last.sha256}  ${path.basename(last.file)}\n`);
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.part'))).toBe(false);
    await expect(service.verify(last.file)).resolves.toBeUndefined();
    const copy = `${last.file}.copie`;
    fs.copyFileSync(last.file, copy);
    fs.copyFileSync(`${last.file}.sha256`, `${copy}.sha256`);
    const bytes = fs.readFileSync(copy);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
    fs.writeFileSync(copy, bytes);
    await expect(service.verify(copy)).rejects.toThrow(ValidationError);
  });

  it('runs every night as the backup job; the jobs page shows the latest backup, and warns when there is none', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect($((await admin.get('/admin/taches')).text)('#derniere-sauvegarde').text()).toContain('Aucune sauvegarde');
    const run = await t.ctx.services.jobs.run(backup, t.ctx.services, { userId: null, label: 'Planificateur' }, backup.periodKey(TEST_NOW));
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run.status === 'succeeded' && run.counts.bytes).toBeGreaterThan(1000);
    const notice = $((await admin.get('/admin/taches')).text)('#derniere-sauvegarde');
    expect(notice.text()).toContain('Dernière sauvegarde : entraide-');
    expect(notice.hasClass('alert-warning')).toBe(false);
  });

  it('restores the data as it was when the backup was taken', async () => {
    await marker('Bailleur sauvegardé');
    const service = new BackupService({ db: t.ctx.db, dir, keep: 5, logger: silent });
    const made = await service.create(new Date(TEST_NOW.getTime() + 60_000));
    await marker('Bailleur arrivé après la sauvegarde');
    const names = async (knex: ReturnType<typeof knexFactory>) =>
      knex('organisations').whereIn('name', ['Bailleur sauvegardé', 'Bailleur arrivé après la sauvegarde']).pluck<string[]>('name');

    if (onPostgres()) {
      const server = process.env.TEST_DATABASE_URL as string;
      const name = `entraide_restore_${process.pid}`;
      const admin = knexFactory({ client: 'pg', connection: adminUrl(server), pool: { min: 0, max: 1 } });
      await admin.raw(`drop database if exists "${name}"`);
      await admin.raw(`create database "${name}"`);
      try {
        await service.restorePostgres(made.file, databaseUrl(server, name));
        const restored = openDatabase({ kind: 'postgres', url: databaseUrl(server, name), poolMax: 1 });
        expect(await names(restored.knex)).toEqual(['Bailleur sauvegardé']);
        await restored.close();
      } finally {
        await admin.raw(`drop database if exists "${name}" with (force)`);
        await admin.destroy();
      }
      return;
    }
    const pgdata = path.join(dir, 'pgdata');
    fs.mkdirSync(pgdata);
    fs.writeFileSync(path.join(pgdata, 'ancien'), 'la base remplacée');
    const aside = await restorePglite(made.file, pgdata, TEST_NOW);
    // the replaced folder is kept aside, never deleted
    expect(fs.readFileSync(path.join(aside as string, 'ancien'), 'utf8')).toBe('la base remplacée');
    const restored = openDatabase({ kind: 'pglite', dir: pgdata });
    expect(await names(restored.knex)).toEqual(['Bailleur sauvegardé']);
    await restored.close();
  });
});
