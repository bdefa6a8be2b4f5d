import type { HistoryLabels } from '../audit/presenter';
import { formatDate, formatDateTime } from '../shared/format';
import { MISSION_STATUS_LABELS, SESSION_KINDS } from './state-machine';

const APPOINTMENT_STATUS = { scheduled: 'Prévu', confirmed: 'Confirmé par le ménage', cancelled: 'Annulé', done: 'Honoré', no_show: 'Ménage absent' } as const;
export const APPOINTMENT_STATUS_LABELS: Record<string, string> = APPOINTMENT_STATUS;

/** The mission page's "Suivi des modifications": each transition, session and appointment event. */
export function missionHistoryLabels(adviserNames: Map<string, string>): HistoryLabels {
  return {
    actions: {
      'mission.ordered': 'Mission demandée',
      'mission.assigned': 'Mission attribuée',
      'mission.accepted': 'Accord du ménage enregistré',
      'mission.declined': 'Refus du ménage enregistré',
      'mission.started': 'Accompagnement commencé',
      'mission.session_recorded': 'Entretien enregistré',
      'mission.completed': 'Mission terminée',
      'mission.interrupted': 'Mission interrompue',
      'appointment.scheduled': 'Rendez-vous fixé',
      'appointment.cancelled': 'Rendez-vous annulé',
      'appointment.done': 'Rendez-vous honoré',
      'appointment.no_show': 'Ménage absent au rendez-vous',
      'appointment.confirmed_by_household': 'Rendez-vous confirmé par le ménage',
      'appointment.cancelled_by_household': 'Rendez-vous annulé par le ménage',
      'appointment.reminded': 'Rappel envoyé',
    },
    fields: {
      status: 'Statut',
      adviserId: 'Conseiller·ère',
      consentDate: 'Date de l’accord',
      objectives: 'Objectifs',
      reason: 'Motif',
      heldOn: 'Date de l’entretien',
      minutes: 'Durée (minutes)',
      kind: 'Type',
      startsAt: 'Rendez-vous le',
      durationMinutes: 'Durée prévue (minutes)',
    },
    value: (field, value) => {
      if (value === null || value === undefined || value === '') return '—';
      if (field === 'status')
        return (MISSION_STATUS_LABELS as Record<string, string>)[String(value)] ?? APPOINTMENT_STATUS_LABELS[String(value)] ?? String(value);
      if (field === 'adviserId') return adviserNames.get(String(value)) ?? 'une autre personne';
      if (field === 'heldOn' || field === 'consentDate') return formatDate(value);
      if (field === 'startsAt') return formatDateTime(value);
      if (field === 'kind')
        return (
          (SESSION_KINDS as Record<string, string>)[String(value)] ??
          ({ day_before: 'la veille', half_hour: '30 minutes avant' } as Record<string, string>)[String(value)] ??
          String(value)
        );
      return String(value);
    },
  };
}
