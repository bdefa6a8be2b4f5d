import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as openpgp from 'openpgp';
import { BackupDecryptionError, BackupEncryption } from '../../src/backup/encryption';
import { OffsiteBackups, offsiteFromConfig } from '../../src/backup/offsite';
import type { BackupEncryptionConfig, OffsiteConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { NotFoundError, ValidationError } from '../../src/shared/errors';
import { startCuttingProxy, startS3 } from '../support/s3-server';

/**
 * Issue 18: the nightly backups copied off-site to a real S3-compatible server (s3rver in
 * process): encrypted at rest, uploaded in parts when large, read back and checked, retried after
 * a cut connection — and never listed as a backup until complete — fetched, decrypted and checked
 * again; a wrong key or a changed byte refused; the retention applied in the bucket.
 */
const BUCKET = 'sauvegardes';
let s3: Awaited<ReturnType<typeof startS3>>;
let proxy: Awaited<ReturnType<typeof startCuttingProxy>>;
let raw: S3Client;
let dir: string;
const logs: string[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  }),
);
const key = crypto.randomBytes(32);
const aes: BackupEncryptionConfig = { kind: 'aes', key };

beforeAll(async () => {
  s3 = await startS3(BUCKET);
  proxy = await startCuttingProxy(s3.port);
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-offsite-'));
});
afterAll(async () => {
  raw.destroy();
  await proxy.close();
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const config = (prefix: string, over: Partial<OffsiteConfig> = {}): OffsiteConfig => ({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  bucket: BUCKET,
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  prefix,
  keep: { daily: 14, weekly: 8, monthly: 12 },
  ...over,
});
const offsite = (prefix: string, encryption: BackupEncryptionConfig = aes, over: Partial<OffsiteConfig> = {}) =>
  new OffsiteBackups({ config: config(prefix, over), encryption: new BackupEncryption(encryption), logger, retryDelaysMs: [20, 20] });

const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
/** A local backup as BackupService writes it: the file, its `.sha256`, and (when asked) a `.manifest.json`. */
function localBackup(at: Date, bytes: number, manifest = true): string {
  const folder = fs.mkdtempSync(path.join(dir, 'local-'));
  const file = path.join(folder, `entraide-${stamp(at)}.tar.gz`);
  const out = fs.openSync(file, 'w');
  for (let left = bytes; left > 0; left -= 1024 * 1024) fs.writeSync(out, crypto.randomBytes(Math.min(left, 1024 * 1024)));
  fs.closeSync(out);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  fs.writeFileSync(`${file}.sha256`, `${hash}  ${path.basename(file)}\n`);
  if (manifest) fs.writeFileSync(`${file}.manifest.json`, `${JSON.stringify({ tables: { organisations: 3, users: 12 } })}\n`);
  return file;
}
const keys = async (prefix: string) =>
  ((await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => (o.Key ?? '').slice(prefix.length)).sort();
const object = async (key: string) =>
  Buffer.from(await ((await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToByteArray() ?? []));
const sameBytes = (a: string, b: string) =>
  crypto.createHash('sha256').update(fs.readFileSync(a)).digest('hex') === crypto.createHash('sha256').update(fs.readFileSync(b)).digest('hex');
const freshDir = () => fs.mkdtempSync(path.join(dir, 'dest-'));

describe('off-site backups (s3rver)', () => {
  it('round-trips a backup with its sidecars, encrypted at rest, complete.json written last', async () => {
    const at = new Date('2026-11-23T00:30:00Z');
    const file = localBackup(at, 200_000);
    const name = path.basename(file);
    const store = offsite('rond/');
    expect(await store.list()).toEqual([]);
    expect(await store.latest()).toBeNull();

    const pushed = await store.push(file);
    expect(pushed.name).toBe(name);
    expect(pushed.bytes).toBe(29 + 200_000 + 16);
    expect(await keys('rond/')).toEqual([`${name}/complete.json`, `${name}/${name}.enc`, `${name}/${name}.manifest.json.enc`, `${name}/${name}.sha256.enc`]);
    // what the storage holds is not the backup, nor its fingerprint, nor the row counts
    const stored = await object(`rond/${name}/${name}.enc`);
    const plain = fs.readFileSync(file);
    expect(stored.subarray(0, 8).toString('ascii')).toBe('ENTRBKUP');
    expect(stored.includes(plain.subarray(5000, 5064))).toBe(false);
    const marker = (await object(`rond/${name}/complete.json`)).toString('utf8');
    expect(marker).not.toContain(fs.readFileSync(`${file}.sha256`, 'utf8').slice(0, 64));
    expect((await object(`rond/${name}/${name}.manifest.json.enc`)).toString('latin1')).not.toContain('organisations');
    expect(JSON.parse(marker)).toMatchObject({ format: 1, name, encryption: 'aes-256-gcm' });

    expect(await store.list()).toEqual([{ name, at, bytes: pushed.bytes }]);
    expect(await store.latest()).toEqual({ name, at, bytes: pushed.bytes });

    const dest = freshDir();
    const fetched = await store.fetch(name, dest);
    expect(fetched).toBe(path.join(dest, name));
    expect(sameBytes(fetched, file)).toBe(true);
    expect(fs.readFileSync(`${fetched}.sha256`, 'utf8')).toBe(fs.readFileSync(`${file}.sha256`, 'utf8'));
    expect(fs.readFileSync(`${fetched}.manifest.json`, 'utf8')).toBe(fs.readFileSync(`${file}.manifest.json`, 'utf8'));
    expect(fs.readdirSync(dest).sort()).toEqual([name, `${name}.manifest.json`, `${name}.sha256`]);
    // no encrypted copy left behind next to the local backup
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([name, `${name}.manifest.json`, `${name}.sha256`]);

    // a backup without a manifest travels with its .sha256 only; a name that is not there is not found
    const older = localBackup(new Date('2026-11-22T00:30:00Z'), 1000, false);
    await store.push(older);
    expect((await store.list()).map((b) => b.name)).toEqual([name, path.basename(older)]);
    await expect(store.fetch('entraide-20200101-000000.tar.gz', freshDir())).rejects.toThrow(NotFoundError);
    await expect(store.fetch('../rond', freshDir())).rejects.toThrow(NotFoundError);
  });

  it('uploads a 50 MB backup in 8 MB parts and reads it back byte for byte', async () => {
    const file = localBackup(new Date('2026-11-23T00:30:00Z'), 50 * 1024 * 1024);
    const name = path.basename(file);
    // through the proxy, to see the requests
    const store = new OffsiteBackups({ config: { ...config('gros/'), endpoint: proxy.endpoint }, encryption: new BackupEncryption(aes), logger });
    proxy.requests.length = 0;
    const pushed = await store.push(file);
    expect(pushed.bytes).toBe(50 * 1024 * 1024 + 45);
    const dataKey = `/${BUCKET}/gros/${name}/${name}.enc`;
    const forData = proxy.requests.filter((r) => r.split(' ')[1]?.split('?')[0] === dataKey).map((r) => r.replace(/uploadId=[^&\s]+/, 'uploadId=…'));
    expect(forData.filter((r) => r.startsWith('POST') && r.includes('?uploads'))).toHaveLength(1);
    expect(forData.filter((r) => r.startsWith('PUT') && r.includes('partNumber='))).toHaveLength(7);
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `gros/${name}/${name}.enc` }));
    expect(head.ContentLength).toBe(pushed.bytes);
    const fetched = await store.fetch(name, freshDir());
    expect(fs.statSync(fetched).size).toBe(50 * 1024 * 1024);
    expect(fs.readFileSync(fetched).equals(fs.readFileSync(file))).toBe(true);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    fs.rmSync(path.dirname(fetched), { recursive: true, force: true });
  }, 180_000);

  it('tries again after a connection cut mid-upload, and never lists an upload that did not finish', async () => {
    const file = localBackup(new Date('2026-11-23T00:30:00Z'), 12 * 1024 * 1024);
    const name = path.basename(file);
    const store = new OffsiteBackups({
      config: { ...config('coupure/'), endpoint: proxy.endpoint },
      encryption: new BackupEncryption(aes),
      logger,
      retryDelaysMs: [20, 20],
    });
    logs.length = 0;
    proxy.cut(1, 3 * 1024 * 1024);
    const pushed = await store.push(file);
    expect(proxy.cuts).toBe(1);
    expect(logs.filter((l) => l.includes('backup.offsite_retry'))).toHaveLength(1);
    expect(await store.list()).toEqual([{ name, at: new Date('2026-11-23T00:30:00Z'), bytes: pushed.bytes }]);
    expect(sameBytes(await store.fetch(name, freshDir()), file)).toBe(true);

    // the network fails every time: three tries, then the push fails, and nothing is taken for a backup
    const next = localBackup(new Date('2026-11-24T00:30:00Z'), 12 * 1024 * 1024);
    proxy.cut(1000, 2 * 1024 * 1024);
    await expect(store.push(next)).rejects.toThrow(/impossible après 3 essais/);
    proxy.cut(0, Infinity);
    expect((await store.list()).map((b) => b.name)).toEqual([name]);
    expect(await keys('coupure/')).not.toContain(`${path.basename(next)}/complete.json`);
    await expect(store.fetch(path.basename(next), freshDir())).rejects.toThrow(/introuvable ou incomplète/);
  }, 120_000);

  it('drops an earlier copy of the same name from the list first, and removes leftovers of unfinished uploads a day on', async () => {
    const store = offsite('restes/');
    const file = localBackup(new Date('2026-11-20T00:30:00Z'), 1000);
    const name = path.basename(file);
    await store.push(file);
    // an upload that died after the backup object, before complete.json (as a crash would leave it)
    const orphan = 'entraide-20261121-003000.tar.gz';
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `restes/${orphan}/${orphan}.enc`, Body: crypto.randomBytes(100) }));
    expect((await store.list()).map((b) => b.name)).toEqual([name]);
    await store.prune(new Date());
    expect(await keys('restes/')).toContain(`${orphan}/${orphan}.enc`);
    const later = new Date(Date.now() + 25 * 3600_000);
    expect(await store.prune(later)).toEqual({ kept: 1, deleted: 0 });
    expect((await keys('restes/')).filter((k) => k.startsWith(orphan))).toEqual([]);
    expect((await store.list()).map((b) => b.name)).toEqual([name]);
  });

  it('refuses a wrong key and a changed byte, leaving nothing in the destination', async () => {
    const file = localBackup(new Date('2026-11-23T00:30:00Z'), 100_000);
    const name = path.basename(file);
    await offsite('altere/').push(file);
    const dest = freshDir();
    await expect(offsite('altere/', { kind: 'aes', key: crypto.randomBytes(32) }).fetch(name, dest)).rejects.toThrow(/Mauvaise clé/);
    expect(fs.readdirSync(dest)).toEqual([]);

    // one byte changed at rest: the SHA-256 recorded at upload no longer matches
    const dataKey = `altere/${name}/${name}.enc`;
    const bytes = await object(dataKey);
    bytes[1000] = (bytes[1000] as number) ^ 0x01;
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: dataKey, Body: bytes }));
    await expect(offsite('altere/').fetch(name, dest)).rejects.toThrow(/Objet hors site altéré/);
    // and with complete.json rewritten to match, the AES-GCM tag still refuses it
    const marker = JSON.parse((await object(`altere/${name}/complete.json`)).toString('utf8')) as { objects: Array<{ key: string; sha256: string }> };
    const entry = marker.objects.find((o) => o.key === `${name}.enc`);
    if (entry) entry.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `altere/${name}/complete.json`, Body: JSON.stringify(marker) }));
    const refusal = offsite('altere/').fetch(name, dest);
    await expect(refusal).rejects.toThrow(BackupDecryptionError);
    await expect(refusal).rejects.toThrow(/Sauvegarde altérée/);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('refuses a backup whose .sha256 does not match its content (checked after decryption)', async () => {
    const file = localBackup(new Date('2026-11-23T00:30:00Z'), 10_000);
    fs.writeFileSync(`${file}.sha256`, `${'0'.repeat(64)}  ${path.basename(file)}\n`);
    await offsite('empreinte/').push(file);
    const dest = freshDir();
    await expect(offsite('empreinte/').fetch(path.basename(file), dest)).rejects.toThrow(ValidationError);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('applies the retention in the bucket: deleted backups lose every object, complete.json first', async () => {
    const store = offsite('retention/', aes, { keep: { daily: 3, weekly: 2, monthly: 2 } });
    const moments = ['2026-09-15', '2026-10-31', '2026-11-08', '2026-11-15', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'].map(
      (d) => new Date(`${d}T00:30:00Z`),
    );
    for (const at of moments) await store.push(localBackup(at, 500));
    const result = await store.prune(new Date('2026-11-23T09:00:00Z'));
    // days: 23, 22, 21; weeks: W48 (23), W47 (22, Sunday); months: November (23), October (31)
    const expected = ['2026-11-23', '2026-11-22', '2026-11-21', '2026-10-31'].map((d) => `entraide-${d.replace(/-/g, '')}-003000.tar.gz`);
    expect(result).toEqual({ kept: 4, deleted: 5 });
    expect((await store.list()).map((b) => b.name)).toEqual(expected);
    expect(new Set((await keys('retention/')).map((k) => k.split('/')[0]))).toEqual(new Set(expected));
    expect(await store.prune(new Date('2026-11-23T09:00:00Z'))).toEqual({ kept: 4, deleted: 0 });
  }, 60_000);

  it('in OpenPGP mode the server encrypts to the public key and cannot decrypt; the private key, where a restore runs, can', async () => {
    const made = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Sauvegardes' }], format: 'armored' });
    fs.writeFileSync(path.join(dir, 'pub.asc'), made.publicKey);
    fs.writeFileSync(path.join(dir, 'priv.asc'), made.privateKey);
    const file = localBackup(new Date('2026-11-23T00:30:00Z'), 300_000);
    const name = path.basename(file);
    const server = offsite('pgp/', { kind: 'pgp', publicKeyPath: path.join(dir, 'pub.asc'), privateKeyPath: null, passphrase: null });
    await server.push(file);
    expect(await keys('pgp/')).toEqual([`${name}/complete.json`, `${name}/${name}.manifest.json.pgp`, `${name}/${name}.pgp`, `${name}/${name}.sha256.pgp`]);
    expect((await object(`pgp/${name}/${name}.pgp`)).includes(fs.readFileSync(file).subarray(5000, 5064))).toBe(false);
    await expect(server.fetch(name, freshDir())).rejects.toThrow(/Clé privée OpenPGP absente/);
    await expect(offsite('pgp/', aes).fetch(name, freshDir())).rejects.toThrow(/chiffrée en OpenPGP/);
    const restore = offsite('pgp/', { kind: 'pgp', publicKeyPath: null, privateKeyPath: path.join(dir, 'priv.asc'), passphrase: null });
    const fetched = await restore.fetch(name, freshDir());
    expect(sameBytes(fetched, file)).toBe(true);
    expect(fs.readFileSync(`${fetched}.manifest.json`, 'utf8')).toBe(fs.readFileSync(`${file}.manifest.json`, 'utf8'));
  });

  it('is off without BACKUP_S3_…, said once to a logger', () => {
    const lines: string[] = [];
    const own = createLogger('info', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    expect(offsiteFromConfig({ backupOffsite: null, backupEncryption: null }, { logger: own })).toBeNull();
    expect(offsiteFromConfig({ backupOffsite: null, backupEncryption: aes }, { logger: own })).toBeNull();
    expect(lines.filter((l) => l.includes('backup.offsite_off'))).toHaveLength(1);
    expect(offsiteFromConfig({ backupOffsite: config('x/'), backupEncryption: aes }, { logger: own })).toBeInstanceOf(OffsiteBackups);
  });
});
