import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseKind } from '../db/database';
import { ValidationError } from '../shared/errors';
import type { DatabaseFacts } from './repository';

/**
 * What a backup holds, written beside it as `<file>.manifest.json` and read in the same snapshot
 * as the dump: a restore drill checks the restored copy against it (rows per table, ledger,
 * audit trail, latest SEPA batch, schema version).
 */
export interface BackupManifest extends DatabaseFacts {
  format: 1;
  file: string;
  kind: DatabaseKind;
  /** when the backup was taken (ISO 8601): the drill's RPO starts here */
  backupAt: string;
}

export const manifestPath = (file: string): string => `${file}.manifest.json`;

/** Writes the manifest under a temporary name, then renames it (never a half-written manifest). */
export function writeManifest(file: string, manifest: BackupManifest): void {
  const target = manifestPath(file);
  fs.writeFileSync(`${target}.part`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${target}.part`, target);
}

/** Reads the manifest beside a backup; refused when absent or not one of ours. */
export function readManifest(file: string): BackupManifest {
  const target = manifestPath(file);
  if (!fs.existsSync(target))
    throw new ValidationError({ file: `Manifeste absent (${path.basename(target)}) : sauvegarde faite avant les exercices de restauration ?` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(target, 'utf8'));
  } catch {
    throw new ValidationError({ file: `Manifeste illisible (${path.basename(target)})` });
  }
  const m = parsed as Partial<BackupManifest>;
  if (m.format !== 1 || typeof m.backupAt !== 'string' || !m.tables || !m.ledger || !m.audit || Number.isNaN(Date.parse(m.backupAt)))
    throw new ValidationError({ file: `Manifeste incomplet (${path.basename(target)})` });
  return m as BackupManifest;
}
