import { integerFormat } from '../shared/format';
import type { BackupManifest } from './manifest';
import type { DatabaseFacts, DrillCheck } from './repository';

/** What a drill read from the restored copy, beyond its facts. */
export interface RestoredFindings {
  facts: DatabaseFacts;
  /** entries whose debit and credit differ (or with fewer than two lines) */
  unbalanced: string[];
  /** numbering sequences that are not exactly 1..n, or disagree with their counter */
  gaps: Array<{ fiscalYear: number; counter: string; count: number; distinct: number; low: number; high: number; last: number | null }>;
  /** SHA-256 of the latest SEPA batch's file as read (decrypted) from the restored copy, null when there is no batch or no file */
  sepaFileSha256: string | null;
}

const n = (v: number) => integerFormat.format(v);
/** "1 écriture", "12 écritures" */
const count = (v: number, word: string) => `${n(v)} ${word}${v > 1 ? 's' : ''}`;
const sequenceName = (s: { fiscalYear: number; counter: string }) => `exercice ${s.fiscalYear}${s.counter === '*' ? '' : `, journal ${s.counter}`}`;

/** The checks of a restored copy against the manifest written with its backup (pure: the drill reads, this compares). */
export function compareWithManifest(manifest: BackupManifest, found: RestoredFindings): DrillCheck[] {
  const r = found.facts;
  const checks: DrillCheck[] = [];

  const names = [...new Set([...Object.keys(manifest.tables), ...Object.keys(r.tables)])].sort();
  const differing = names.filter((t) => manifest.tables[t] !== r.tables[t]);
  const total = Object.values(r.tables).reduce((a, b) => a + b, 0);
  checks.push({
    key: 'tables',
    label: 'Lignes par table',
    ok: differing.length === 0,
    detail:
      differing.length === 0
        ? `${count(names.length, 'table')}, ${count(total, 'ligne')}, comme au manifeste`
        : `différences : ${differing
            .map(
              (t) =>
                `${t} (manifeste ${manifest.tables[t] === undefined ? 'absente' : n(manifest.tables[t])}, restaurée ${r.tables[t] === undefined ? 'absente' : n(r.tables[t])})`,
            )
            .join(', ')}`,
  });

  checks.push({
    key: 'ledger-balanced',
    label: 'Écritures comptables équilibrées (débit = crédit)',
    ok: found.unbalanced.length === 0,
    detail:
      found.unbalanced.length === 0
        ? r.ledger.entries === 0
          ? 'aucune écriture'
          : `${count(r.ledger.entries, 'écriture')}, ${r.ledger.entries > 1 ? 'toutes équilibrées' : 'équilibrée'}`
        : `écritures déséquilibrées : ${found.unbalanced.join(', ')}`,
  });

  const expected = new Map(manifest.ledger.sequences.map((s) => [`${s.fiscalYear}/${s.counter}`, s]));
  const seqDiffs = [
    ...r.ledger.sequences
      .filter((s) => {
        const m = expected.get(`${s.fiscalYear}/${s.counter}`);
        return !m || m.count !== s.count || m.maxNumber !== s.maxNumber;
      })
      .map((s) => {
        const m = expected.get(`${s.fiscalYear}/${s.counter}`);
        return `${sequenceName(s)} : ${count(s.count, 'écriture')} jusqu’au n° ${s.maxNumber} (manifeste : ${m ? `${n(m.count)} jusqu’au n° ${m.maxNumber}` : 'aucune'})`;
      }),
    ...manifest.ledger.sequences
      .filter((m) => !r.ledger.sequences.some((s) => s.fiscalYear === m.fiscalYear && s.counter === m.counter))
      .map((m) => `${sequenceName(m)} : aucune écriture restaurée (manifeste : ${count(m.count, 'écriture')})`),
  ];
  const gapTexts = found.gaps.map(
    (g) =>
      `${sequenceName(g)} : ${count(g.count, 'écriture')} numérotée${g.count > 1 ? 's' : ''} de ${g.low} à ${g.high}${g.distinct !== g.count ? ', numéros en double' : ''}${g.last !== null && g.last !== g.high ? `, compteur à ${g.last}` : ''}`,
  );
  checks.push({
    key: 'ledger-numbers',
    label: 'Numérotation des écritures continue',
    ok: gapTexts.length === 0 && seqDiffs.length === 0,
    detail:
      gapTexts.length === 0 && seqDiffs.length === 0
        ? r.ledger.sequences.length === 0
          ? 'aucune écriture'
          : r.ledger.sequences.map((s) => `${sequenceName(s)} : 1 à ${s.maxNumber}`).join(' ; ')
        : [...gapTexts, ...seqDiffs].join(' ; '),
  });

  const auditOk = manifest.audit.count === r.audit.count && manifest.audit.lastId === r.audit.lastId;
  checks.push({
    key: 'audit',
    label: 'Piste d’audit complète',
    ok: auditOk,
    detail: auditOk
      ? `${count(r.audit.count, 'événement')}, dernier n° ${r.audit.lastId ?? '—'}`
      : `restaurée : ${count(r.audit.count, 'événement')}, dernier n° ${r.audit.lastId ?? '—'} ; manifeste : ${n(manifest.audit.count)}, dernier n° ${manifest.audit.lastId ?? '—'}`,
  });

  const ms = manifest.sepa;
  const rs = r.sepa;
  let sepa: DrillCheck;
  if (!ms && !rs) sepa = { key: 'sepa', label: 'Fichier du dernier lot SEPA', ok: true, detail: 'aucun lot de virements' };
  else if (!ms || !rs || ms.batchId !== rs.batchId)
    sepa = {
      key: 'sepa',
      label: 'Fichier du dernier lot SEPA',
      ok: false,
      detail: `dernier lot restauré : ${rs ? `n° ${rs.number}` : 'aucun'} ; manifeste : ${ms ? `n° ${ms.number}` : 'aucun'}`,
    };
  else {
    const ok = rs.fileSha256 === ms.fileSha256 && found.sepaFileSha256 === ms.fileSha256;
    sepa = {
      key: 'sepa',
      label: 'Fichier du dernier lot SEPA',
      ok,
      detail: ok
        ? `lot n° ${rs.number}, empreinte ${ms.fileSha256.slice(0, 12)}… inchangée`
        : `lot n° ${rs.number} : empreinte ${found.sepaFileSha256 ? `${found.sepaFileSha256.slice(0, 12)}…` : 'illisible'} au lieu de ${ms.fileSha256.slice(0, 12)}…`,
    };
  }
  checks.push(sepa);

  const migrationsOk = manifest.schemaVersion === r.schemaVersion && manifest.migrations === r.migrations;
  checks.push({
    key: 'migrations',
    label: 'Version du schéma (migrations)',
    ok: migrationsOk,
    detail: migrationsOk
      ? `${count(r.migrations, 'migration')}, la dernière ${r.schemaVersion ?? '—'}`
      : `restaurée : ${n(r.migrations)}, la dernière ${r.schemaVersion ?? '—'} ; manifeste : ${n(manifest.migrations)}, la dernière ${manifest.schemaVersion ?? '—'}`,
  });
  return checks;
}

/** "45 s", "4 min 05 s", "2 h 07 min", "3 j 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} j ${Math.floor((s % 86_400) / 3600)} h`;
}
