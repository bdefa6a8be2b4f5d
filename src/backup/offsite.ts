import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Knex } from 'knex';
import type { BackupEncryptionConfig, OffsiteConfig } from '../config';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { NotFoundError } from '../shared/errors';
import { BackupDecryptionError, BackupEncryption } from './encryption';
import { verifyBackup } from './service';

/** A complete backup in the off-site storage: its name (the local file's), the moment it was taken, its encrypted size. */
export interface OffsiteBackup {
  name: string;
  at: Date;
  bytes: number;
}

export interface RetentionCounts {
  daily: number;
  weekly: number;
  monthly: number;
}

/** The sidecars that travel with a backup when present beside it. */
const SIDECARS = ['.sha256', '.manifest.json'] as const;
/** Written last: a folder without it is an upload that did not finish, never a backup. */
const MARKER = 'complete.json';
const PART_SIZE = 8 * 1024 * 1024;
/** Objects of an unfinished upload older than this are removed by prune (a newer one may still be under way). */
const ORPHAN_MS = 24 * 3600_000;

/** What complete.json says: the format, the encryption, and each object's size and SHA-256 as sent. */
interface Marker {
  format: 1;
  name: string;
  encryption: 'aes-256-gcm' | 'openpgp';
  objects: Array<{ key: string; file: string; bytes: number; sha256: string }>;
}

/** The moment in a backup's name, `entraide-20261123-090000.tar.gz` (UTC); null when the name has none. */
export function backupMoment(name: string): Date | null {
  const m = /^entraide-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\./.exec(name);
  if (!m) return null;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The ISO 8601 week of a calendar date, "2026-W53" (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  const weekday = (day.getUTCDay() + 6) % 7;
  const thursday = new Date(day.getTime() + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The backups retention keeps (Paris calendar): the newest backup of each of the `daily` most
 * recent days that have one, of each of the `weekly` most recent ISO weeks, of each of the
 * `monthly` most recent months; the newest backup always; one dated after `now` (a clock ahead)
 * is never deleted. Days, weeks or months without a backup do not count.
 */
export function retainedBackups(backups: ReadonlyArray<{ name: string; at: Date }>, keep: RetentionCounts, now: Date): Set<string> {
  const newestFirst = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.name < b.name ? 1 : -1));
  const kept = new Set<string>();
  const rule = (count: number, bucket: (day: string) => string) => {
    const seen = new Set<string>();
    for (const b of newestFirst) {
      const key = bucket(parisDate(b.at));
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      kept.add(b.name);
    }
  };
  rule(keep.daily, (day) => day);
  rule(keep.weekly, isoWeek);
  rule(keep.monthly, (day) => day.slice(0, 7));
  if (newestFirst[0]) kept.add(newestFirst[0].name);
  for (const b of newestFirst) if (b.at.getTime() > now.getTime()) kept.add(b.name);
  return kept;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The off-site copies of the nightly backups, in S3-compatible storage (docs/exploitation.md,
 * « Sauvegardes hors site »). Each backup is a folder `<prefix><name>/` holding the backup and
 * its sidecars, each encrypted (`.enc` AES-256-GCM or `.pgp` OpenPGP), and `complete.json`,
 * written last: only folders with it are backups. Each upload is read back and its SHA-256
 * compared with the encrypted file's, and tried again (3 times in all) when either fails.
 */
export class OffsiteBackups {
  private readonly client: S3Client;
  /** no retries of its own: uploads are retried whole, and checked, by push */
  private readonly uploadClient: S3Client;
  private readonly config: OffsiteConfig;
  private readonly encryption: BackupEncryption;
  private readonly logger: Logger;
  private readonly db: Knex | null;
  private readonly clock: Clock | null;
  private readonly retryDelaysMs: readonly number[];
  private readonly partSize: number;

  constructor(deps: {
    config: OffsiteConfig;
    encryption: BackupEncryption;
    logger: Logger;
    /** where each push is recorded (table backup_offsite_copies) for the age metric; none on a restore machine */
    db?: Knex | null;
    clock?: Clock | null;
    /** the pauses before the second and third tries (2 s and 8 s) */
    retryDelaysMs?: readonly number[];
    partSize?: number;
  }) {
    this.config = deps.config;
    this.encryption = deps.encryption;
    this.logger = deps.logger;
    this.db = deps.db ?? null;
    this.clock = deps.clock ?? null;
    this.retryDelaysMs = deps.retryDelaysMs ?? [2000, 8000];
    this.partSize = Math.max(5 * 1024 * 1024, deps.partSize ?? PART_SIZE);
    const options = {
      endpoint: deps.config.endpoint,
      region: deps.config.region,
      credentials: { accessKeyId: deps.config.accessKeyId, secretAccessKey: deps.config.secretAccessKey },
      // path-style addresses and checksums only when required: S3-compatible servers (s3rver, MinIO…) store streamed uploads intact (DESIGN §12)
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    };
    this.client = new S3Client(options);
    this.uploadClient = new S3Client({ ...options, maxAttempts: 1 });
  }

  /**
   * Encrypts the backup and its sidecars (`.sha256`, `.manifest.json` when present) and uploads
   * them, then `complete.json`: until that last write the folder is not a backup. An earlier copy
   * of the same name stops being one first.
   */
  async push(localBackupFile: string): Promise<{ name: string; bytes: number }> {
    const name = path.basename(localBackupFile);
    if (!fs.existsSync(localBackupFile)) throw new NotFoundError(`Sauvegarde introuvable : ${localBackupFile}`);
    const work = fs.mkdtempSync(path.join(path.dirname(path.resolve(localBackupFile)), '.hors-site-'));
    try {
      await this.remove(this.key(name, MARKER));
      const marker: Marker = { format: 1, name, encryption: this.encryption.mode, objects: [] };
      for (const suffix of ['', ...SIDECARS]) {
        const plain = `${localBackupFile}${suffix}`;
        if (!fs.existsSync(plain)) continue;
        const file = `${name}${suffix}${this.encryption.extension}`;
        const encrypted = path.join(work, file);
        await this.encryption.encryptFile(plain, encrypted);
        const sha256 = await sha256OfFile(encrypted);
        const bytes = fs.statSync(encrypted).size;
        const key = this.key(name, file);
        await this.uploadChecked(key, encrypted, sha256);
        marker.objects.push({ key: file, file: `${name}${suffix}`, bytes, sha256 });
        fs.rmSync(encrypted, { force: true });
      }
      await this.withRetries(`${name}/${MARKER}`, () =>
        this.uploadClient.send(
          new PutObjectCommand({
            Bucket: this.config.bucket,
            Key: this.key(name, MARKER),
            Body: JSON.stringify(marker, null, 2),
            ContentType: 'application/json',
          }),
        ),
      );
      const bytes = marker.objects[0]?.bytes ?? 0;
      await this.record(name, bytes);
      this.logger.info('backup copied off-site', { event: 'backup.offsite_pushed', file: name, bytes });
      return { name, bytes };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /** The complete backups, newest first. */
  async list(): Promise<OffsiteBackup[]> {
    const folders = await this.folders();
    const backups: OffsiteBackup[] = [];
    for (const [name, objects] of folders) {
      const marker = objects.get(MARKER);
      if (!marker) continue;
      const data = objects.get(`${name}.enc`) ?? objects.get(`${name}.pgp`);
      backups.push({ name, at: backupMoment(name) ?? marker.modified, bytes: data?.bytes ?? 0 });
    }
    return backups.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.name < b.name ? 1 : -1));
  }

  async latest(): Promise<OffsiteBackup | null> {
    return (await this.list())[0] ?? null;
  }

  /**
   * Downloads a complete backup and its sidecars into `destDir`, checks each object against the
   * SHA-256 recorded at upload, decrypts them (a wrong key or an altered byte is refused before
   * any file appears under its name), then checks the backup against its `.sha256`.
   */
  async fetch(name: string, destDir: string): Promise<string> {
    if (!/^[^/\\]+$/.test(name) || name.startsWith('.')) throw new NotFoundError(`Sauvegarde hors site introuvable : ${name}`);
    const marker = await this.readMarker(name);
    fs.mkdirSync(destDir, { recursive: true });
    const work = fs.mkdtempSync(path.join(destDir, '.hors-site-'));
    try {
      for (const object of marker.objects) {
        if (!/^[^/\\]+$/.test(object.file) || !object.file.startsWith(name)) throw new BackupDecryptionError(`complete.json de ${name} illisible`);
        const encrypted = path.join(work, object.key);
        await this.download(this.key(name, object.key), encrypted);
        if ((await sha256OfFile(encrypted)) !== object.sha256)
          throw new BackupDecryptionError(`Objet hors site altéré : l’empreinte de ${object.key} ne correspond pas à celle enregistrée à l’envoi`);
        await this.encryption.decryptFile(encrypted, path.join(work, object.file));
        fs.rmSync(encrypted, { force: true });
      }
      const local = path.join(work, name);
      await verifyBackup(local);
      for (const object of marker.objects) fs.renameSync(path.join(work, object.file), path.join(destDir, object.file));
      return path.join(destDir, name);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Deletes the complete backups retention does not keep (BACKUP_S3_KEEP_DAILY/WEEKLY/MONTHLY),
   * their complete.json first, and the leftovers of uploads that never finished, a day on.
   */
  async prune(now: Date): Promise<{ kept: number; deleted: number }> {
    const folders = await this.folders();
    const complete = (await this.list()).filter((b) => folders.has(b.name));
    const keep = retainedBackups(complete, this.config.keep, now);
    let deleted = 0;
    for (const b of complete) {
      if (keep.has(b.name)) continue;
      const objects = folders.get(b.name) ?? new Map<string, unknown>();
      await this.remove(this.key(b.name, MARKER));
      for (const file of objects.keys()) if (file !== MARKER) await this.remove(this.key(b.name, file));
      deleted++;
    }
    for (const [name, objects] of folders) {
      if (objects.has(MARKER) || !name.startsWith('entraide-')) continue;
      const newest = Math.max(...[...objects.values()].map((o) => o.modified.getTime()));
      if (now.getTime() - newest < ORPHAN_MS) continue;
      for (const file of objects.keys()) await this.remove(this.key(name, file));
      this.logger.warn('unfinished off-site upload removed', { event: 'backup.offsite_orphan_removed', file: name });
    }
    if (this.db && deleted > 0) {
      await this.db('backup_offsite_copies')
        .whereNotIn(
          'name',
          complete.filter((b) => keep.has(b.name)).map((b) => b.name),
        )
        .delete();
    }
    this.logger.info('off-site backups pruned', { event: 'backup.offsite_pruned', kept: keep.size, deleted });
    return { kept: complete.length - deleted, deleted };
  }

  private key(name: string, file: string): string {
    return `${this.config.prefix}${name}/${file}`;
  }

  /** Every folder under the prefix, with its objects' sizes and dates. */
  private async folders(): Promise<Map<string, Map<string, { bytes: number; modified: Date }>>> {
    const folders = new Map<string, Map<string, { bytes: number; modified: Date }>>();
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.config.prefix || undefined, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const m = /^([^/]+)\/([^/]+)$/.exec((object.Key ?? '').slice(this.config.prefix.length));
        if (!m) continue;
        const [, name, file] = m as unknown as [string, string, string];
        const objects = folders.get(name) ?? new Map<string, { bytes: number; modified: Date }>();
        objects.set(file, { bytes: object.Size ?? 0, modified: object.LastModified ?? new Date(0) });
        folders.set(name, objects);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return folders;
  }

  private async readMarker(name: string): Promise<Marker> {
    let text: string;
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(name, MARKER) }));
      text = (await got.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound'))
        throw new NotFoundError(`Sauvegarde hors site introuvable ou incomplète : ${name}`);
      throw error;
    }
    try {
      const marker = JSON.parse(text) as Marker;
      if (marker.format !== 1 || !Array.isArray(marker.objects) || marker.objects[0]?.file !== name) throw new Error('format');
      if (marker.encryption !== this.encryption.mode)
        throw new BackupDecryptionError(
          `Cette sauvegarde est chiffrée en ${marker.encryption === 'openpgp' ? 'OpenPGP (BACKUP_PGP_PRIVATE_KEY)' : 'AES-256-GCM (BACKUP_ENCRYPTION_KEY)'} : donnez la clé correspondante`,
        );
      return marker;
    } catch (error) {
      if (error instanceof BackupDecryptionError) throw error;
      throw new BackupDecryptionError(`complete.json de ${name} illisible`);
    }
  }

  private async download(key: string, dest: string): Promise<void> {
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
    if (!got.Body) throw new Error(`objet vide : ${key}`);
    await pipeline(got.Body as Readable, fs.createWriteStream(dest));
  }

  /** Uploads a file (in 8 MB parts beyond one part) and reads it back until its SHA-256 is the expected one. */
  private async uploadChecked(key: string, file: string, sha256: string): Promise<void> {
    await this.withRetries(key, async () => {
      const upload = new Upload({
        client: this.uploadClient,
        params: { Bucket: this.config.bucket, Key: key, Body: fs.createReadStream(file), ContentType: 'application/octet-stream' },
        partSize: this.partSize,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
      const got = await this.uploadClient.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      const hash = crypto.createHash('sha256');
      for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
      const stored = hash.digest('hex');
      if (stored !== sha256)
        throw new Error(`l’objet relu (${key}) diffère du fichier envoyé (SHA-256 ${stored.slice(0, 12)}… au lieu de ${sha256.slice(0, 12)}…)`);
    });
  }

  private async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const tries = this.retryDelaysMs.length + 1;
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        if (i >= tries) throw new Error(`Envoi hors site de ${what} impossible après ${tries} essais : ${why}`);
        this.logger.warn('off-site upload failed, trying again', { event: 'backup.offsite_retry', file: what, attempt: i, error: why });
        await sleep(this.retryDelaysMs[i - 1] ?? 0);
      }
    }
  }

  private async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
  }

  private async record(name: string, bytes: number): Promise<void> {
    if (!this.db) return;
    const pushedAt = this.clock?.now() ?? new Date();
    await this.db('backup_offsite_copies')
      .insert({ name, bytes, taken_at: backupMoment(name) ?? pushedAt, pushed_at: pushedAt })
      .onConflict('name')
      .merge();
  }
}

/** The loggers already told that off-site copies are off: once per process (one logger), not at each start of a service. */
const toldOff = new WeakSet<Logger>();

/** The off-site copies the configuration asks for, or null (said once per process in the log). */
export function offsiteFromConfig(
  config: { backupOffsite: OffsiteConfig | null; backupEncryption: BackupEncryptionConfig | null },
  deps: { logger: Logger; db?: Knex | null; clock?: Clock | null },
): OffsiteBackups | null {
  if (!config.backupOffsite || !config.backupEncryption) {
    if (!toldOff.has(deps.logger)) deps.logger.info('off-site backups off (BACKUP_S3_… not set)', { event: 'backup.offsite_off' });
    toldOff.add(deps.logger);
    return null;
  }
  return new OffsiteBackups({ config: config.backupOffsite, encryption: new BackupEncryption(config.backupEncryption), ...deps });
}
