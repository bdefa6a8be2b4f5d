import { can, type Actor, type Permission } from '../permissions';
import { formatDateTime } from '../shared/format';
import { urls } from '../urls';
import { BACKUP_MAX_AGE_HOURS, FUNDER_ACK_MAX_HOURS, type HomeTodos } from './service';

/** One line of "À faire": its words, and the list showing those items when there are some and the person may open it. */
export interface TodoLine {
  key: string;
  text: string;
  href: string | null;
  /** a few items named under the line, each with its own link */
  items?: Array<{ text: string; href: string }>;
}

/** "1 demande" / "3 demandes": the count with the right form of each word. */
const n = (count: number, one: string, many: string) => `${count} ${count > 1 ? many : one}`;

/** Words the counts of each role's home; zero reads "Aucun…", never "0". */
export function todoLines(actor: Pick<Actor, 'role'>, t: HomeTodos): TodoLine[] {
  const link = (count: number, permission: Permission, href: string) => (count > 0 && can(actor, permission) ? href : null);
  const line = (key: string, count: number, none: string, some: string, permission: Permission, href: string): TodoLine => ({
    key,
    text: count > 0 ? some : none,
    href: link(count, permission, href),
  });
  const queue = (tab: string) => `${urls.queue()}?onglet=${tab}`;
  const orientationsLine = (count: number) =>
    line(
      'orientations',
      count,
      'Aucune orientation ASD à traiter',
      `${n(count, 'orientation ASD', 'orientations ASD')} d’Action Logement à traiter`,
      'orientations:read',
      urls.orientations(),
    );
  switch (t.kind) {
    case 'landlord': {
      const lines = [
        line(
          'awaiting',
          t.awaiting,
          'Aucune demande n’attend votre réponse',
          `${n(t.awaiting, 'demande attend', 'demandes attendent')} votre réponse`,
          'requests:read',
          `${urls.requests()}?status=awaiting_information`,
        ),
        line(
          'drafts',
          t.drafts,
          'Aucun brouillon en cours',
          `${n(t.drafts, 'brouillon', 'brouillons')} à terminer et déposer`,
          'requests:read',
          `${urls.requests()}?status=draft`,
        ),
        orientationsLine(t.orientations),
      ];
      if (t.account) {
        const { confirmed, pending } = t.account;
        const text = pending
          ? confirmed
            ? 'Votre changement de RIB attend la vérification de l’association'
            : 'Votre RIB attend la vérification de l’association'
          : confirmed
            ? 'RIB confirmé : rien à faire'
            : 'Aucun RIB confirmé : donnez celui de votre organisation';
        lines.push({ key: 'rib', text, href: confirmed && !pending ? null : link(1, 'bank-accounts:own', urls.ownBankAccount()) });
      }
      if (t.invited !== null) {
        lines.push(
          line(
            'invited',
            t.invited,
            'Aucune invitation en attente',
            t.invited > 1
              ? `${t.invited} utilisateurs invités n’ont pas encore choisi leur mot de passe`
              : '1 utilisateur invité n’a pas encore choisi son mot de passe',
            'users:manage',
            urls.users(),
          ),
        );
      }
      return lines;
    }
    case 'operator':
      return [
        line('to_take', t.toTake, 'Aucune demande à prendre', `${n(t.toTake, 'demande', 'demandes')} à prendre`, 'requests:instruct', queue('a_prendre')),
        line(
          'mine',
          t.mine,
          'Aucun dossier suivi par vous',
          `${n(t.mine, 'dossier suivi', 'dossiers suivis')} par vous (en instruction ou ajourné)`,
          'requests:instruct',
          queue('mes_dossiers'),
        ),
        line(
          'answers',
          t.answers,
          'Aucune réponse de bailleur à lire',
          `${n(t.answers, 'réponse de bailleur reçue', 'réponses de bailleurs reçues')} sur vos dossiers`,
          'requests:instruct',
          queue('mes_dossiers'),
        ),
        line(
          'to_validate',
          t.toValidate,
          'Aucune proposition à valider',
          `${n(t.toValidate, 'proposition', 'propositions')} de décision à valider`,
          'requests:instruct',
          queue('a_valider'),
        ),
        orientationsLine(t.orientations),
      ];
    case 'admin': {
      const since = `Aucune sauvegarde réussie depuis plus de ${BACKUP_MAX_AGE_HOURS} h`;
      return [
        line(
          'to_validate',
          t.toValidate,
          'Aucune proposition à valider',
          `${n(t.toValidate, 'proposition', 'propositions')} de décision à valider`,
          'requests:instruct',
          queue('a_valider'),
        ),
        line('rib_reviews', t.accountReviews, 'Aucun RIB à vérifier', `${t.accountReviews} RIB à vérifier`, 'bank-accounts:review', urls.accountReviews()),
        line(
          'failed_jobs',
          t.failedJobs,
          'Aucune tâche en échec',
          `${n(t.failedJobs, 'tâche', 'tâches')} en échec à ${t.failedJobs > 1 ? 'leur' : 'sa'} dernière exécution`,
          'jobs:manage',
          urls.jobs(),
        ),
        t.backupStale
          ? {
              key: 'backup',
              text: t.lastBackup ? `${since} : la dernière date du ${formatDateTime(t.lastBackup)}` : `${since} : aucune n’est enregistrée`,
              href: link(1, 'jobs:manage', urls.jobs()),
            }
          : { key: 'backup', text: `Sauvegarde de moins de ${BACKUP_MAX_AGE_HOURS} h : rien à faire`, href: null },
        orientationsLine(t.orientations),
        line(
          'funder_unacknowledged',
          t.funderUnacknowledged,
          `Aucun fichier envoyé à Action Logement sans accusé depuis plus de ${FUNDER_ACK_MAX_HOURS} h`,
          `${n(t.funderUnacknowledged, 'fichier envoyé', 'fichiers envoyés')} à Action Logement sans accusé depuis plus de ${FUNDER_ACK_MAX_HOURS} h`,
          'exchanges:read',
          urls.exchanges(),
        ),
      ];
    }
    case 'accountant':
      return [
        line(
          'to_approve',
          t.toApprove,
          'Aucun lot à approuver',
          `${n(t.toApprove, 'lot', 'lots')} de virements à approuver`,
          'payments:read',
          `${urls.payments()}#lots`,
        ),
        line(
          'to_transmit',
          t.toTransmit,
          'Aucun lot à marquer transmis',
          `${n(t.toTransmit, 'lot approuvé', 'lots approuvés')} à marquer transmis`,
          'payments:read',
          `${urls.payments()}#lots`,
        ),
        line(
          'periods',
          t.closablePeriods,
          'Aucune période à clore',
          `${n(t.closablePeriods, 'période terminée', 'périodes terminées')} à clore`,
          'accounting:read',
          urls.accountingPeriods(),
        ),
      ];
    case 'adviser':
      return [
        line('today', t.today, 'Aucun rendez-vous aujourd’hui', `${t.today} rendez-vous aujourd’hui`, 'missions:work', urls.missionCalendar()),
        {
          key: 'write_up',
          href: null,
          text:
            t.writeUp.total > 0
              ? `${n(t.writeUp.total, 'entretien', 'entretiens')} à rédiger (rendez-vous tenu, compte rendu pas encore enregistré)`
              : 'Aucun entretien à rédiger',
          items: t.writeUp.items.map((x) => ({
            text: `${x.missionReference} — rendez-vous du ${formatDateTime(x.startsAt)}`,
            href: urls.mission(x.missionId),
          })),
        },
      ];
    case 'none':
      return [];
  }
}
