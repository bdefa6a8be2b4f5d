import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { UserRepository } from '../accounts/repository';
import { type Database, openDatabase } from '../db/database';
import type { Db } from '../db/types';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import { associationAdmins } from '../notifications/admins';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import type { Clock } from '../shared/clock';
import { urls } from '../urls';
import { compareWithManifest } from './checks';
import { drillReportMail } from './drill-mail';
import { type BackupManifest, readManifest } from './manifest';
import { BackupFactsRepository, type DrillCheck, type DrillRecord } from './repository';
import { type BackupService, run as runCommand, verifyBackup } from './service';

/**
 * The off-site storage as the drill needs it (src/backup/offsite.ts's OffsiteBackups has this
 * shape): the newest backup there, and a copy of it fetched into a folder — downloaded,
 * decrypted, its SHA-256 checked — with its sidecars (`.sha256`, `.manifest.json`) beside it.
 */
export interface OffsiteSource {
  latest(): Promise<{ name: string; at: Date; bytes: number } | null>;
  fetch(name: string, destDir: string): Promise<string>;
}

export interface DrillResult extends DrillRecord {
  /** where the backup came from, in the administrators' words */
  sourceNote: string;
}

export const LOCAL_NOTE = 'copie locale : stockage hors site non configuré';
export const OFFSITE_NOTE = 'copie hors site (téléchargée, déchiffrée, empreinte vérifiée)';

/** A step that failed: the drill stops there and records it as a failed check. */
class StepFailed extends Error {
  constructor(readonly check: DrillCheck) {
    super(`${check.label} : ${check.detail}`);
  }
}

const stamp = (d: Date) => d.toISOString().replace(/\D/g, '').slice(0, 14);

/** The same server address pointing at another database. */
function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The restore drill (docs/continuite.md): the newest off-site backup (the newest local one when
 * no off-site storage is configured) is fetched, its SHA-256 checked, restored into a scratch
 * database — a temporary PostgreSQL database created and dropped on the application's server, or
 * an in-memory PGlite loaded from the dump — and checked against its manifest: rows per table,
 * balanced and gaplessly numbered ledger, complete audit trail, the latest SEPA file's hash,
 * schema version. RPO (drill start − backup time) and RTO (fetch + restore + checks) are
 * recorded in `restore_drills`, and the report is mailed to the association's administrators.
 */
export class RestoreDrillService {
  private readonly db: Database;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backups: BackupService;
  private readonly offsite: () => OffsiteSource | null;
  private readonly blobs: BlobStore;
  private readonly mailer: Mailer;
  private readonly organisations: OrganisationRepository;
  private readonly users: UserRepository;
  private readonly baseUrl: string;
  private readonly repository = new BackupFactsRepository();

  constructor(deps: {
    db: Database;
    clock: Clock;
    logger: Logger;
    backups: BackupService;
    /** the off-site storage, or null when none is configured */
    offsite: () => OffsiteSource | null;
    blobs: BlobStore;
    mailer: Mailer;
    organisations: OrganisationRepository;
    users: UserRepository;
    baseUrl: string;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.backups = deps.backups;
    this.offsite = deps.offsite;
    this.blobs = deps.blobs;
    this.mailer = deps.mailer;
    this.organisations = deps.organisations;
    this.users = deps.users;
    this.baseUrl = deps.baseUrl;
  }

  /** The latest drills, newest first (jobs page). */
  history(limit = 12): Promise<DrillRecord[]> {
    return this.repository.history(this.db.knex, limit);
  }

  /** Runs a drill, records it and mails its report; never throws for a failed check (the result says `ok: false`). */
  async run(): Promise<DrillResult> {
    const startedAt = this.clock.now();
    const t0 = performance.now();
    const offsite = this.offsite();
    const source = offsite ? 'offsite' : 'local';
    const id = await this.repository.startDrill(this.db.knex, { startedAt, source });
    const checks: DrillCheck[] = [];
    let backupName: string | null = null;
    let backupAt: Date | null = null;
    let error: string | null = null;
    const workDir = offsite ? fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-drill-fetch-')) : null;
    try {
      // 1. the backup: fetched from off-site storage, or the newest local file
      let file: string;
      if (offsite) {
        const latest = await offsite.latest();
        if (!latest) throw new StepFailed({ key: 'fetch', label: 'Sauvegarde hors site', ok: false, detail: 'aucune sauvegarde dans le stockage hors site' });
        backupName = latest.name;
        backupAt = latest.at;
        try {
          file = await offsite.fetch(latest.name, workDir as string);
        } catch (err) {
          throw new StepFailed({ key: 'fetch', label: 'Téléchargement et déchiffrement', ok: false, detail: (err as Error).message });
        }
        checks.push({
          key: 'fetch',
          label: 'Téléchargement et déchiffrement',
          ok: true,
          detail: `${latest.name} (${(latest.bytes / 1048576).toFixed(1).replace('.', ',')} Mo)`,
        });
      } else {
        const latest = this.backups.list()[0];
        if (!latest) throw new StepFailed({ key: 'fetch', label: 'Sauvegarde locale', ok: false, detail: 'aucune sauvegarde dans le dossier des sauvegardes' });
        file = latest;
        backupName = path.basename(latest);
        backupAt = fs.statSync(latest).mtime;
      }
      // 2. its hash, then its manifest
      try {
        await verifyBackup(file);
      } catch (err) {
        throw new StepFailed({ key: 'sha256', label: 'Empreinte SHA-256 du fichier', ok: false, detail: (err as Error).message });
      }
      checks.push({ key: 'sha256', label: 'Empreinte SHA-256 du fichier', ok: true, detail: 'conforme' });
      let manifest: BackupManifest;
      try {
        manifest = readManifest(file);
      } catch (err) {
        throw new StepFailed({ key: 'manifest', label: 'Manifeste de la sauvegarde', ok: false, detail: (err as Error).message });
      }
      backupAt = new Date(manifest.backupAt);
      // 3. the scratch database, checked, then dropped
      await this.withScratch(file, manifest, checks, async (scratch) => {
        const facts = await this.repository.facts(scratch);
        const unbalanced = await this.repository.unbalancedEntries(scratch);
        const gaps = await this.repository.numberingGaps(scratch);
        let sepaFileSha256: string | null = null;
        if (facts.sepa) {
          const blob = await this.blobs.get(scratch, facts.sepa.fileBlobId).catch(() => null);
          sepaFileSha256 = blob ? crypto.createHash('sha256').update(blob.data).digest('hex') : null;
        }
        checks.push(...compareWithManifest(manifest, { facts, unbalanced, gaps, sepaFileSha256 }));
      });
    } catch (err) {
      if (err instanceof StepFailed) checks.push(err.check);
      error = (err as Error).message;
    } finally {
      if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    }
    const rtoSeconds = Math.round(performance.now() - t0) / 1000;
    const rpoSeconds = backupAt ? Math.round((startedAt.getTime() - backupAt.getTime()) / 1000) : null;
    const ok = error === null && checks.length > 0 && checks.every((c) => c.ok);
    if (!ok && error === null)
      error = checks
        .filter((c) => !c.ok)
        .map((c) => `${c.label} : ${c.detail}`)
        .join(' ; ');
    const finishedAt = this.clock.now();
    const done = { finishedAt, backupName, backupAt, rpoSeconds, rtoSeconds, ok, checks, error };
    await this.repository.finishDrill(this.db.knex, id, done);
    const result: DrillResult = { id, startedAt, source, ...done, sourceNote: offsite ? OFFSITE_NOTE : LOCAL_NOTE };
    const facts = { drillId: id, backup: backupName, source, rpoSeconds, rtoSeconds, failedChecks: checks.filter((c) => !c.ok).map((c) => c.key) };
    if (ok) this.logger.info('restore drill passed', { event: 'drill.passed', ...facts });
    else this.logger.error('restore drill failed', { event: 'drill.failed', ...facts, error });
    await this.mailReport(result);
    return result;
  }

  private async mailReport(result: DrillResult): Promise<void> {
    const knex = this.db.knex;
    const ids = await knex.transaction(async (trx) => {
      const out: string[] = [];
      for (const admin of await associationAdmins(trx, this.organisations, this.users))
        out.push(await this.mailer.queue(trx, drillReportMail(admin.email, admin.firstName, result, `${this.baseUrl}${urls.jobs()}`)));
      return out;
    });
    await this.mailer.deliver(ids);
  }

  /**
   * Restores the backup into a database of its own — a temporary PostgreSQL database on the
   * application's server (created, then dropped), or an in-memory PGlite loaded from the dump —
   * and hands it to `check`.
   */
  private async withScratch(file: string, manifest: BackupManifest, checks: DrillCheck[], check: (scratch: Db) => Promise<void>): Promise<void> {
    const label = 'Restauration dans une base temporaire';
    if (manifest.kind === 'pglite') {
      let scratch: Database;
      try {
        scratch = openDatabase({ kind: 'pglite', loadDataDir: new Blob([fs.readFileSync(file)]) });
        await scratch.knex.raw('select 1');
      } catch (err) {
        throw new StepFailed({ key: 'restore', label, ok: false, detail: `PGlite n’a pas pu charger la sauvegarde : ${(err as Error).message}` });
      }
      try {
        checks.push({ key: 'restore', label, ok: true, detail: 'base PGlite en mémoire chargée depuis la sauvegarde' });
        await check(scratch.knex);
      } finally {
        await scratch.close();
      }
      return;
    }
    if (!this.db.url)
      throw new StepFailed({ key: 'restore', label, ok: false, detail: 'une sauvegarde PostgreSQL se restaure sur un serveur PostgreSQL (DATABASE_URL)' });
    const name = `entraide_drill_${stamp(this.clock.now())}_${crypto.randomBytes(3).toString('hex')}`;
    await this.repository.createDatabase(this.db.knex, name);
    try {
      const url = withDatabase(this.db.url, name);
      try {
        await runCommand('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${url}`, file]);
      } catch (err) {
        throw new StepFailed({ key: 'restore', label, ok: false, detail: (err as Error).message });
      }
      checks.push({ key: 'restore', label, ok: true, detail: `base PostgreSQL temporaire ${name} (pg_restore)` });
      const scratch = openDatabase({ kind: 'postgres', url, poolMax: 2 });
      try {
        await check(scratch.knex);
      } finally {
        await scratch.close();
      }
    } finally {
      await this.repository
        .dropDatabase(this.db.knex, name)
        .catch((err: Error) => this.logger.error('scratch database not dropped', { event: 'drill.cleanup_failed', database: name, error: err.message }));
    }
  }
}
