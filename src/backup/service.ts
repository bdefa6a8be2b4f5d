import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createPglite, type Database } from '../db/database';
import type { Logger } from '../logger';
import { ValidationError } from '../shared/errors';
import { type BackupManifest, manifestPath, writeManifest } from './manifest';
import { BackupFactsRepository, type DatabaseFacts } from './repository';

export interface Backup {
  file: string;
  bytes: number;
  sha256: string;
  /** the manifest written beside it (`<file>.manifest.json`) */
  manifest: BackupManifest;
}

const PREFIX = 'entraide-';
const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Runs a command, resolving on exit code 0 and rejecting with its standard error otherwise. */
export function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT' ? new Error(`${command} introuvable : installez le client PostgreSQL de la version du serveur (paquet postgresql-client)`) : err,
      ),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} a échoué (${code}) : ${stderr.trim().slice(0, 500)}`))));
  });
}

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Backups of the whole database into BACKUP_DIR: the embedded database as a gzipped copy of its
 * data folder (PGlite's own dump, taken while the application's single connection is held, so no
 * change slips in), a PostgreSQL server with pg_dump (custom format). Each file is written under a
 * temporary name and renamed once complete, with its SHA-256 beside it; the newest `keep` stay.
 *
 * Beside it too, its manifest (rows per table, ledger, audit trail, latest SEPA batch, schema
 * version), read in the very snapshot the dump is taken from: on PGlite in the held transaction;
 * on PostgreSQL in a REPEATABLE READ transaction that exports its snapshot, which pg_dump then
 * takes (`--snapshot`) while the transaction stays open. So a drill can require equality for
 * every table, not only for the append-only ones.
 */
export class BackupService {
  private readonly db: Database;
  private readonly dir: string;
  private readonly keep: number;
  private readonly logger: Logger;
  private readonly facts = new BackupFactsRepository();

  constructor(deps: { db: Database; dir: string; keep: number; logger: Logger }) {
    this.db = deps.db;
    this.dir = deps.dir;
    this.keep = deps.keep;
    this.logger = deps.logger;
  }

  async create(now: Date): Promise<Backup> {
    fs.mkdirSync(this.dir, { recursive: true });
    const base = path.join(this.dir, `${PREFIX}${stamp(now)}${this.db.kind === 'pglite' ? '.tar.gz' : '.dump'}`);
    const part = `${base}.part`;
    let facts: DatabaseFacts;
    try {
      if (this.db.kind === 'pglite') {
        const pglite = this.db.pglite;
        if (!pglite) throw new Error('embedded database not open');
        // holding the one connection keeps every other query waiting while the facts are read and the folder is copied
        const { dump, read } = await this.db.knex.transaction(async (trx) => {
          const read = await this.facts.facts(trx);
          return { read, dump: await pglite.dumpDataDir('gzip') };
        });
        facts = read;
        fs.writeFileSync(part, Buffer.from(await dump.arrayBuffer()));
      } else {
        const url = this.connectionUrl();
        facts = await this.db.knex.transaction(
          async (trx) => {
            const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>('select pg_export_snapshot() as id');
            const snapshot = rows[0]!.id;
            // pg_dump reads the exported snapshot while this transaction, which counts in it, stays open
            const [read, dumped] = await Promise.allSettled([
              this.facts.facts(trx),
              run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, `--file=${part}`, url]),
            ]);
            if (dumped.status === 'rejected') throw dumped.reason;
            if (read.status === 'rejected') throw read.reason;
            return read.value;
          },
          { isolationLevel: 'repeatable read', readOnly: true },
        );
      }
      fs.renameSync(part, base);
    } finally {
      fs.rmSync(part, { force: true });
    }
    const sha256 = await sha256Of(base);
    fs.writeFileSync(`${base}.sha256`, `${sha256}  ${path.basename(base)}\n`);
    const manifest: BackupManifest = { format: 1, file: path.basename(base), kind: this.db.kind, backupAt: now.toISOString(), ...facts };
    writeManifest(base, manifest);
    const bytes = fs.statSync(base).size;
    this.prune();
    this.logger.info('backup written', { event: 'backup.created', file: path.basename(base), bytes });
    return { file: base, bytes, sha256, manifest };
  }

  /** The backups present, newest first. */
  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.startsWith(PREFIX) && (f.endsWith('.tar.gz') || f.endsWith('.dump')))
      .sort()
      .reverse()
      .map((f) => path.join(this.dir, f));
  }

  /** The newest backup, with its size and date, or null when there is none. */
  latest(): { name: string; bytes: number; at: Date } | null {
    const file = this.list()[0];
    if (!file) return null;
    const stat = fs.statSync(file);
    return { name: path.basename(file), bytes: stat.size, at: stat.mtime };
  }

  /** Checks a backup against its SHA-256 file before anything is restored from it. */
  verify(file: string): Promise<void> {
    return verifyBackup(file);
  }

  /** Restores a PostgreSQL backup into a database (the server's one by default): its objects are replaced. */
  async restorePostgres(file: string, targetUrl = this.connectionUrl()): Promise<void> {
    await verifyBackup(file);
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', `--dbname=${targetUrl}`, file]);
  }

  private prune(): void {
    for (const old of this.list().slice(this.keep)) {
      fs.rmSync(old, { force: true });
      fs.rmSync(`${old}.sha256`, { force: true });
      fs.rmSync(manifestPath(old), { force: true });
    }
  }

  private connectionUrl(): string {
    if (!this.db.url) throw new Error('PostgreSQL address unknown');
    return this.db.url;
  }
}

/** A backup file matches the SHA-256 written beside it (checked before anything is restored from it). */
export async function verifyBackup(file: string): Promise<void> {
  if (!fs.existsSync(file)) throw new ValidationError({ file: `Fichier introuvable : ${file}` });
  const sidecar = `${file}.sha256`;
  if (!fs.existsSync(sidecar)) throw new ValidationError({ file: `Empreinte absente (${path.basename(sidecar)}) : sauvegarde incomplète ?` });
  const expected = fs.readFileSync(sidecar, 'utf8').split(/\s+/)[0];
  if ((await sha256Of(file)) !== expected) throw new ValidationError({ file: 'L’empreinte SHA-256 ne correspond pas : fichier altéré ou incomplet' });
}

/** Restores an embedded database folder from a backup: the current folder is kept aside, never deleted. */
export async function restorePglite(file: string, pgdataDir: string, now: Date): Promise<string | null> {
  await verifyBackup(file);
  let aside: string | null = null;
  if (fs.existsSync(pgdataDir)) {
    aside = `${pgdataDir}.avant-restauration-${stamp(now)}`;
    fs.renameSync(pgdataDir, aside);
  }
  // PGlite unpacks the dump into the folder when it opens it
  const pglite = createPglite({ dir: pgdataDir, loadDataDir: new Blob([fs.readFileSync(file)]) });
  await pglite.query('select 1');
  await pglite.close();
  return aside;
}
