import type { Role } from '../permissions/roles';
import { lifecycle, type Transition } from '../shared/transitions';

/**
 * The life of a support mission: proposed → accepted (the household agreed, consent recorded) |
 * declined → in progress → completed | interrupted (also from accepted). Only these exist.
 */
export const MISSION_STATUSES = ['proposed', 'accepted', 'declined', 'in_progress', 'completed', 'interrupted'] as const;
export type MissionStatus = (typeof MISSION_STATUSES)[number];

export const MISSION_STATUS_LABELS: Record<MissionStatus, string> = {
  proposed: 'Proposée',
  accepted: 'Acceptée',
  declined: 'Refusée par le ménage',
  in_progress: 'En cours',
  completed: 'Terminée',
  interrupted: 'Interrompue',
};

export type MissionAction = 'accept' | 'decline' | 'start' | 'complete' | 'interrupt';

const WITH_ADVISER: readonly Role[] = ['operator', 'admin', 'social_adviser'];

const TRANSITIONS: ReadonlyArray<Transition<MissionStatus, MissionAction>> = [
  { action: 'accept', from: ['proposed'], to: 'accepted', roles: WITH_ADVISER, label: 'Enregistrer l’accord du ménage' },
  { action: 'decline', from: ['proposed'], to: 'declined', roles: WITH_ADVISER, label: 'Enregistrer le refus du ménage' },
  { action: 'start', from: ['accepted'], to: 'in_progress', roles: WITH_ADVISER, label: 'Commencer l’accompagnement' },
  { action: 'complete', from: ['in_progress'], to: 'completed', roles: WITH_ADVISER, label: 'Terminer' },
  { action: 'interrupt', from: ['accepted', 'in_progress'], to: 'interrupted', roles: WITH_ADVISER, label: 'Interrompre' },
];

const missionLifecycle = lifecycle(TRANSITIONS, MISSION_STATUS_LABELS, 'une mission');

export function missionTransition(role: Role, status: MissionStatus, action: MissionAction): MissionStatus {
  return missionLifecycle.move(role, status, action);
}

export function missionActions(role: Role, status: MissionStatus): MissionAction[] {
  return missionLifecycle.available(role, status).map((t) => t.action);
}

/** Missions still running: an adviser's week, a household's open support. */
export const OPEN_MISSION_STATUSES: readonly MissionStatus[] = ['proposed', 'accepted', 'in_progress'];

export const SESSION_KINDS = {
  home_visit: 'Visite à domicile',
  office: 'Entretien au bureau',
  phone: 'Téléphone',
  video: 'Visio',
  accompanied: 'Démarche accompagnée',
} as const;
export type SessionKind = keyof typeof SESSION_KINDS;

export const OBJECTIVE_CATEGORIES = {
  budget: 'Budget',
  housing: 'Logement et dette',
  rights: 'Accès aux droits',
  employment: 'Emploi et ressources',
  health: 'Santé',
  other: 'Autre',
} as const;
export type ObjectiveCategory = keyof typeof OBJECTIVE_CATEGORIES;

export const OBJECTIVE_RESULTS = { reached: 'Atteint', partly: 'Partiellement atteint', not_reached: 'Non atteint' } as const;
export type ObjectiveResult = keyof typeof OBJECTIVE_RESULTS;

export const INTERRUPTION_REASONS = {
  unreachable: 'Ménage injoignable',
  moved_out: 'Ménage parti du logement',
  refused: 'Le ménage ne souhaite plus être accompagné',
  other: 'Autre motif',
} as const;

export const APPOINTMENT_MODES = { in_person: 'Rendez-vous sur place', phone: 'Appel téléphonique', video: 'Visio' } as const;
export type AppointmentMode = keyof typeof APPOINTMENT_MODES;
