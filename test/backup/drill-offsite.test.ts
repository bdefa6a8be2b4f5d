import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OFFSITE_NOTE } from '../../src/backup/drill';
import { startS3 } from '../support/s3-server';
import { useWorld } from '../support/world';

/**
 * Issue 18: when off-site storage is configured, the restore drill takes the newest off-site
 * backup (a real S3-compatible server, s3rver), not the local one: downloaded, decrypted, its
 * SHA-256 checked, then restored and checked like any other.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-drill-offsite-'));
const env: Record<string, string> = { BACKUP_DIR: dir };
let s3: Awaited<ReturnType<typeof startS3>>;
// registered before the world's: the app reads the server's address from `env`
beforeAll(async () => {
  s3 = await startS3('sauvegardes');
  Object.assign(env, {
    BACKUP_S3_ENDPOINT: s3.endpoint,
    BACKUP_S3_BUCKET: 'sauvegardes',
    BACKUP_S3_ACCESS_KEY_ID: 'S3RVER',
    BACKUP_S3_SECRET_ACCESS_KEY: 'S3RVER',
    BACKUP_ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
  });
});
const t = useWorld(env);
afterAll(async () => {
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the restore drill with off-site storage', () => {
  it('restores the newest off-site copy, even when the local one is gone, and says so', async () => {
    const offsite = t.ctx.services.offsite;
    if (!offsite) throw new Error('off-site storage not configured in this test');
    const made = await t.ctx.services.backups.create(t.ctx.clock.now());
    await offsite.push(made.file);
    // the machine lost its local folder: only the off-site copy is left
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    t.ctx.clock.advanceMinutes(90);
    const drill = await t.ctx.services.restoreDrills.run();
    expect(drill.checks.filter((c) => !c.ok)).toEqual([]);
    expect(drill).toMatchObject({ ok: true, source: 'offsite', sourceNote: OFFSITE_NOTE, backupName: path.basename(made.file), rpoSeconds: 90 * 60 });
    expect(drill.checks.map((c) => c.key)).toEqual([
      'fetch',
      'sha256',
      'restore',
      'tables',
      'ledger-balanced',
      'ledger-numbers',
      'audit',
      'sepa',
      'migrations',
    ]);
    const mail = await t.ctx.knex('mail_outbox').where({ kind: 'backup.drill' }).first('text_body');
    expect(mail.text_body).toContain(`(${OFFSITE_NOTE})`);
    expect(mail.text_body).toContain('✓ Téléchargement et déchiffrement');
    // the downloaded copy does not stay behind
    expect(
      fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('entraide-drill-fetch-') && fs.existsSync(path.join(os.tmpdir(), f, path.basename(made.file)))),
    ).toEqual([]);
  }, 90_000);
});
