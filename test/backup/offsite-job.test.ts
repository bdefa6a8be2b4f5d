import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import request from 'supertest';
import { restorePglite } from '../../src/backup/service';
import { openDatabase } from '../../src/db/database';
import { backup } from '../../src/jobs/definitions/backup';
import { TEST_NOW } from '../support/app';
import { onPostgres } from '../support/database';
import { adminUrl, databaseUrl } from '../support/env';
import { $, loginAs } from '../support/http';
import { startS3 } from '../support/s3-server';
import { useWorld } from '../support/world';

/**
 * Issue 18 end to end, on the real database (PGlite, or PostgreSQL with pg_dump): the nightly
 * job backs up, copies the backup off-site encrypted and prunes there; the copy fetched back
 * restores the data; /metrics gives the off-site copy's age from what the job recorded.
 */
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';
const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-offsite-job-'));
const env: Record<string, string> = {
  BACKUP_DIR: backupDir,
  METRICS_TOKEN: TOKEN,
  BACKUP_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
  BACKUP_S3_BUCKET: 'sauvegardes',
  BACKUP_S3_ACCESS_KEY_ID: 'S3RVER',
  BACKUP_S3_SECRET_ACCESS_KEY: 'S3RVER',
  BACKUP_S3_PREFIX: 'entraide/test',
};
let s3: Awaited<ReturnType<typeof startS3>>;
// before the world's own beforeAll: the app reads the S3 address when it starts
beforeAll(async () => {
  s3 = await startS3('sauvegardes');
  env.BACKUP_S3_ENDPOINT = s3.endpoint;
});
const t = useWorld(env);
afterAll(async () => {
  await s3.close();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

const offsiteAge = async () => {
  const text = (await request(t.ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
  const line = text.split('\n').find((l) => l.startsWith('entraide_backup_offsite_age_seconds '));
  return line ? Number(line.split(' ')[1]) : null;
};
const names = async (knex: ReturnType<typeof knexFactory>) => knex('organisations').where({ name: 'Bailleur hors site' }).pluck<string[]>('name');

describe('the backup job with off-site storage', () => {
  it('backs up, copies off-site, prunes, records the copy for the metric; the copy restores the data', async () => {
    const offsite = t.ctx.services.offsite;
    if (!offsite) throw new Error('off-site storage should be configured');
    expect(await offsiteAge()).toBeNull();
    await t.ctx.knex('organisations').insert({ kind: 'landlord', name: 'Bailleur hors site', city: 'Lyon' });

    const run = await t.ctx.services.jobs.run(backup, t.ctx.services, { userId: null, label: 'Planificateur' }, backup.periodKey(TEST_NOW));
    if (run.status !== 'succeeded') throw new Error(JSON.stringify(run));
    expect(run.counts.bytes).toBeGreaterThan(1000);
    expect(run.counts.offsite_bytes).toBe((run.counts.bytes ?? 0) + 45);
    expect(run.counts).toMatchObject({ offsite_kept: 1, offsite_deleted: 0 });
    const listed = await offsite.list();
    const name = path.basename(t.ctx.services.backups.list()[0] as string);
    expect(listed).toEqual([{ name, at: new Date(TEST_NOW.getTime()), bytes: run.counts.offsite_bytes }]);
    expect(name).toMatch(onPostgres() ? /\.dump$/ : /\.tar\.gz$/);

    // the metric reads what the job recorded, never the storage
    expect(await offsiteAge()).toBe(0);
    t.ctx.clock.advanceMinutes(37 * 60);
    expect(await offsiteAge()).toBe(37 * 3600);
    t.ctx.clock.set(TEST_NOW);

    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-offsite-fetch-'));
    try {
      const file = await offsite.fetch(name, dest);
      // the sidecars came back with it, the manifest written by create() included
      const local = t.ctx.services.backups.list()[0] as string;
      expect(fs.readFileSync(`${file}.sha256`, 'utf8')).toBe(fs.readFileSync(`${local}.sha256`, 'utf8'));
      expect(fs.readFileSync(`${file}.manifest.json`, 'utf8')).toBe(fs.readFileSync(`${local}.manifest.json`, 'utf8'));
      if (onPostgres()) {
        const server = process.env.TEST_DATABASE_URL as string;
        const database = `entraide_offsite_${process.pid}`;
        const admin = knexFactory({ client: 'pg', connection: adminUrl(server), pool: { min: 0, max: 1 } });
        await admin.raw(`drop database if exists "${database}"`);
        await admin.raw(`create database "${database}"`);
        try {
          await t.ctx.services.backups.restorePostgres(file, databaseUrl(server, database));
          const restored = openDatabase({ kind: 'postgres', url: databaseUrl(server, database), poolMax: 1 });
          expect(await names(restored.knex)).toEqual(['Bailleur hors site']);
          await restored.close();
        } finally {
          await admin.raw(`drop database if exists "${database}" with (force)`);
          await admin.destroy();
        }
      } else {
        const pgdata = path.join(dest, 'pgdata');
        await restorePglite(file, pgdata, TEST_NOW);
        const restored = openDatabase({ kind: 'pglite', dir: pgdata });
        expect(await names(restored.knex)).toEqual(['Bailleur hors site']);
        await restored.close();
      }
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  }, 120_000);

  it('the next nights push again and apply the retention; the jobs page shows the counts in words', async () => {
    const offsite = t.ctx.services.offsite;
    if (!offsite) throw new Error('off-site storage should be configured');
    for (let day = 1; day <= 2; day++) {
      const now = new Date(TEST_NOW.getTime() + day * 86_400_000);
      t.ctx.clock.set(now);
      const run = await t.ctx.services.jobs.run(backup, t.ctx.services, { userId: null, label: 'Planificateur' }, backup.periodKey(now));
      expect(run).toMatchObject({ status: 'succeeded', counts: { offsite_kept: day + 1, offsite_deleted: 0 } });
    }
    expect((await offsite.list()).map((b) => b.at.toISOString())).toEqual(['2026-11-25T09:00:00.000Z', '2026-11-24T09:00:00.000Z', '2026-11-23T09:00:00.000Z']);
    expect(await offsiteAge()).toBe(0);
    t.ctx.clock.set(TEST_NOW);
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const row = $((await admin.get('/admin/taches')).text)('#tache-backup')
      .text()
      .replace(/\s+/g, ' ');
    expect(row).toContain('octets copiés hors site :');
    expect(row).toContain('sauvegardes gardées hors site : 3');
    expect(row).toContain('sauvegardes hors site supprimées : 0');
  }, 120_000);
});
