import { formatDateTime } from '../../shared/format';
import { type Check, type CheckItem, type CheckStatus, daysBetween, worst } from './types';

/** The nightly backup runs at 01:30: past this age one night was missed, past the second one it is an alert. */
const BACKUP_REVIEW_HOURS = 26;
const BACKUP_ALERT_HOURS = 50;
/** A restore drill is expected every quarter at least. */
export const DRILL_REVIEW_DAYS = 92;

const hoursBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / 3_600_000);

/** The newest backup of BACKUP_DIR (BackupService.latest()). */
export function backupCheck(latest: { name: string; bytes: number; at: Date } | null, now: Date): Check {
  if (!latest)
    return {
      code: 'sauvegarde',
      title: 'Âge de la dernière sauvegarde',
      status: 'alerte',
      explanation: 'Aucune sauvegarde dans le dossier des sauvegardes (BACKUP_DIR) : la tâche « Sauvegarde de la base » n’a jamais abouti ici.',
    };
  const hours = hoursBetween(latest.at, now);
  const status: CheckStatus = hours > BACKUP_ALERT_HOURS ? 'alerte' : hours > BACKUP_REVIEW_HOURS ? 'a_revoir' : 'ok';
  return {
    code: 'sauvegarde',
    title: 'Âge de la dernière sauvegarde',
    status,
    explanation:
      status === 'ok'
        ? `La dernière sauvegarde a ${hours} heure(s) (faite chaque nuit).`
        : `La dernière sauvegarde a ${hours} heures : au moins une nuit a été manquée. Voyez la page Tâches et le dossier des sauvegardes.`,
    items: [{ label: latest.name, detail: `faite le ${formatDateTime(latest.at)}, ${Math.round(latest.bytes / 1024)} Kio` }],
  };
}

export interface RestoreDrill {
  startedAt: Date;
  ok: boolean;
  source: string;
  backupName: string | null;
  error: string | null;
}

/**
 * The latest restore drill (table restore_drills, when it exists): a backup never restored is a
 * hope, not a backup. `null` table: the drills are not recorded by this version.
 */
export function restoreDrillCheck(drill: RestoreDrill | null | 'no-table', now: Date): Check {
  const base = { code: 'exercice-restauration', title: 'Dernier exercice de restauration' };
  if (drill === null || drill === 'no-table')
    return {
      ...base,
      status: 'a_revoir',
      explanation: 'Aucun exercice de restauration enregistré : restaurez une sauvegarde dans une base de test et vérifiez-la (docs/continuite.md).',
    };
  const days = daysBetween(drill.startedAt, now);
  const status: CheckStatus = !drill.ok ? 'alerte' : days > DRILL_REVIEW_DAYS ? 'a_revoir' : 'ok';
  return {
    ...base,
    status,
    explanation: !drill.ok
      ? `Le dernier exercice de restauration, il y a ${days} jour(s), a échoué : la sauvegarde n’a pas pu être restaurée et vérifiée.`
      : days > DRILL_REVIEW_DAYS
        ? `Le dernier exercice de restauration réussi date de ${days} jours : refaites-en un (au moins chaque trimestre).`
        : `Le dernier exercice de restauration, il y a ${days} jour(s), a réussi.`,
    items: [
      {
        label: drill.backupName ?? 'sauvegarde',
        detail: `${formatDateTime(drill.startedAt)}, ${drill.source === 'offsite' ? 'copie hors site' : 'copie locale'}${drill.ok ? ', réussi' : `, échec${drill.error ? ` : ${drill.error.slice(0, 200)}` : ''}`}`,
      },
    ],
  };
}

export interface FolderSpace {
  freeMb: number | null;
  ok: boolean;
}

/** The free space of the data and backup folders, against READY_MIN_FREE_MB (the same measure as /readyz). */
export function diskCheck(disk: { data: FolderSpace; backups: FolderSpace }, minFreeMb: number): Check {
  const one = (label: string, f: FolderSpace): CheckItem => {
    if (f.freeMb === null) return { label, detail: 'espace libre illisible', status: 'alerte' };
    const status: CheckStatus = f.freeMb < minFreeMb ? 'alerte' : f.freeMb < 2 * minFreeMb ? 'a_revoir' : 'ok';
    return { label, detail: `${f.freeMb} Mo libres (minimum ${minFreeMb} Mo)`, status };
  };
  const items = [one('Dossier des données (DATA_DIR)', disk.data), one('Dossier des sauvegardes (BACKUP_DIR)', disk.backups)];
  const status = worst(items.map((i) => i.status ?? 'ok'));
  return {
    code: 'espace-disque',
    title: 'Espace disque libre',
    status,
    explanation:
      status === 'ok'
        ? `Les dossiers des données et des sauvegardes ont plus de deux fois le minimum libre (READY_MIN_FREE_MB = ${minFreeMb} Mo).`
        : status === 'a_revoir'
          ? `Un dossier approche du minimum libre (READY_MIN_FREE_MB = ${minFreeMb} Mo) : libérez de la place avant que /readyz ne réponde 503.`
          : `Un dossier est sous le minimum libre (READY_MIN_FREE_MB = ${minFreeMb} Mo) ou illisible : /readyz répond 503, les sauvegardes risquent d’échouer.`,
    items,
  };
}
