import type { OutgoingMail } from '../notifications/repository';
import { formatDateTime } from '../shared/format';
import { formatDuration } from './checks';
import type { DrillResult } from './drill';

const SIGNATURE = '\n\n— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre.';

/** To the association's administrators: the report of a restore drill, in plain French, each check ✓ or ✗. */
export function drillReportMail(to: string, firstName: string, drill: DrillResult, link: string): OutgoingMail {
  const verdict = drill.ok ? 'réussi' : 'ÉCHEC';
  const backup = drill.backupName
    ? `${drill.backupName}${drill.backupAt ? `, prise le ${formatDateTime(drill.backupAt)}` : ''} (${drill.sourceNote})`
    : `aucune (${drill.sourceNote})`;
  return {
    kind: 'backup.drill',
    to,
    subject: drill.ok ? 'Entraide : exercice de restauration réussi' : 'Entraide : ÉCHEC de l’exercice de restauration',
    text:
      `Bonjour ${firstName},\n\n` +
      `Exercice de restauration du ${formatDateTime(drill.startedAt)} : ${verdict}.\n\n` +
      `Sauvegarde utilisée : ${backup}\n` +
      `Données qui seraient perdues (RPO, âge de la sauvegarde) : ${drill.rpoSeconds === null ? 'inconnu' : formatDuration(drill.rpoSeconds)}\n` +
      `Temps de remise en état mesuré (RTO : téléchargement, restauration, contrôles) : ${drill.rtoSeconds === null ? 'inconnu' : formatDuration(drill.rtoSeconds)}\n\n` +
      `Contrôles :\n` +
      drill.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.label} : ${c.detail}\n`).join('') +
      (drill.ok
        ? ''
        : `\nLa sauvegarde n’a pas passé l’exercice : elle ne permettrait peut-être pas de tout restaurer. Voir docs/continuite.md (« Exercice en échec ») et relancer l’exercice une fois la cause corrigée.\n`) +
      `\nHistorique des exercices : ${link}\n` +
      SIGNATURE,
  };
}
