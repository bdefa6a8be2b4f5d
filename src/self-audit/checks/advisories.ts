import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { formatDate } from '../../shared/format';
import { PROJECT_ROOT } from '../../paths';
import { parisDate } from '../../shared/dates';
import { type Check, type CheckItem, type CheckStatus, daysBetween } from './types';

/** Where the project keeps its lockfile and its advisory snapshot (committed; `npm run advisories:refresh` rewrites it). */
export const ADVISORY_FILES = {
  lockfile: path.join(PROJECT_ROOT, 'package-lock.json'),
  snapshot: path.join(PROJECT_ROOT, 'security', 'advisories.json'),
};

/** Past this age the advisory snapshot is said too old to be trusted. */
export const SNAPSHOT_MAX_DAYS = 30;

/** One advisory, as the npm registry's bulk endpoint answers it (POST /-/npm/v1/security/advisories/bulk). */
export interface Advisory {
  id: number;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  url: string;
}

/** security/advisories.json: when it was fetched, from where, and the registry's answer (package name → advisories). */
export interface AdvisorySnapshot {
  fetchedAt: string;
  source: string;
  advisories: Record<string, Advisory[]>;
}

/** A package installed by the lockfile. */
export interface LockedPackage {
  name: string;
  version: string;
  dev: boolean;
}

/** The packages of a package-lock.json (lockfileVersion 2 or 3): every `node_modules/…` entry with a version, links left out. */
export function lockedPackages(lockfile: unknown): LockedPackage[] {
  const packages = (lockfile as { packages?: Record<string, { version?: string; name?: string; dev?: boolean; link?: boolean }> }).packages;
  if (!packages || typeof packages !== 'object') throw new Error('package-lock.json sans section « packages » (lockfileVersion 2 ou 3 attendu)');
  const seen = new Map<string, LockedPackage>();
  for (const [where, entry] of Object.entries(packages)) {
    const at = where.lastIndexOf('node_modules/');
    if (at === -1 || entry.link || !entry.version || !semver.valid(entry.version)) continue;
    const name = entry.name ?? where.slice(at + 'node_modules/'.length);
    const key = `${name}@${entry.version}`;
    const known = seen.get(key);
    // a version is a runtime one as soon as one copy of it is
    if (!known) seen.set(key, { name, version: entry.version, dev: entry.dev === true });
    else if (!entry.dev) known.dev = false;
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name) || semver.compare(a.version, b.version));
}

/** The body of a bulk advisory request: each package name with its installed versions. */
export function bulkRequest(packages: LockedPackage[]): Record<string, string[]> {
  const body: Record<string, string[]> = {};
  for (const p of packages) (body[p.name] ??= []).push(p.version);
  return body;
}

export interface Finding {
  package: LockedPackage;
  advisory: Advisory;
}

/** The installed versions inside an advisory's vulnerable range. */
export function matchAdvisories(packages: LockedPackage[], advisories: Record<string, Advisory[]>): Finding[] {
  const findings: Finding[] = [];
  for (const p of packages)
    for (const advisory of advisories[p.name] ?? [])
      if (semver.satisfies(p.version, advisory.vulnerable_versions, { includePrerelease: true })) findings.push({ package: p, advisory });
  return findings;
}

const SEVERITY_LABELS: Record<Advisory['severity'], string> = { info: 'information', low: 'faible', moderate: 'modérée', high: 'élevée', critical: 'critique' };

/** Reads a JSON file, or null when it is missing or unreadable (said in the check). */
function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/**
 * The dependencies with known vulnerabilities, offline: the packages of package-lock.json matched
 * against the advisory snapshot committed in security/advisories.json (`npm run advisories:refresh`
 * fetches it again from the npm registry). A high or critical advisory on a runtime package is an
 * alert; any other, or a snapshot older than SNAPSHOT_MAX_DAYS, is to review.
 */
export function advisoriesCheck(files: { lockfile: string; snapshot: string }, now: Date): Check {
  const base = { code: 'dependances', title: 'Dépendances aux vulnérabilités connues' };
  const lockfile = readJson(files.lockfile);
  const snapshot = readJson(files.snapshot) as AdvisorySnapshot | null;
  if (lockfile === null)
    return {
      ...base,
      status: 'alerte',
      explanation: 'package-lock.json est introuvable ou illisible : les dépendances installées ne peuvent pas être vérifiées.',
    };
  if (!snapshot || typeof snapshot.advisories !== 'object' || Number.isNaN(Date.parse(snapshot.fetchedAt)))
    return {
      ...base,
      status: 'a_revoir',
      explanation:
        'Aucun instantané des avis de sécurité (security/advisories.json) : lancez « npm run advisories:refresh » sur un poste relié à Internet et versionnez le fichier.',
    };
  const packages = lockedPackages(lockfile);
  const findings = matchAdvisories(packages, snapshot.advisories);
  const age = daysBetween(new Date(snapshot.fetchedAt), now);
  const stale = age > SNAPSHOT_MAX_DAYS;
  const items: CheckItem[] = findings.map((f) => ({
    label: `${f.package.name} ${f.package.version}${f.package.dev ? ' (développement)' : ''}`,
    detail: `${f.advisory.title} — gravité ${SEVERITY_LABELS[f.advisory.severity] ?? f.advisory.severity}, versions touchées ${f.advisory.vulnerable_versions} — ${f.advisory.url}`,
    status: !f.package.dev && (f.advisory.severity === 'high' || f.advisory.severity === 'critical') ? 'alerte' : 'a_revoir',
  }));
  const status: CheckStatus = items.some((i) => i.status === 'alerte') ? 'alerte' : items.length || stale ? 'a_revoir' : 'ok';
  const when = `instantané du ${formatDate(parisDate(new Date(snapshot.fetchedAt)))}`;
  const freshness = stale
    ? ` L’${when} a ${age} jours (plus de ${SNAPSHOT_MAX_DAYS}) : relancez « npm run advisories:refresh ».`
    : ` Avis de sécurité du registre npm : ${when} (${age} jour(s)).`;
  return {
    ...base,
    status,
    explanation:
      (findings.length
        ? `${findings.length} version(s) installée(s) par package-lock.json sont dans la plage d’un avis de sécurité : mettez-les à jour (npm update, ou npm audit fix).`
        : `Aucune des ${packages.length} versions installées par package-lock.json n’est dans la plage d’un avis de sécurité connu.`) + freshness,
    items,
  };
}
