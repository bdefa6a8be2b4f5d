/** The words of the assistance desk and of the breach register, as people read them. */
export const ASSISTANCE_CATEGORIES = {
  question: 'Question',
  anomaly: 'Anomalie',
  access: 'Accès',
  data_correction: 'Correction de données',
  security_incident: 'Incident de sécurité',
} as const;
export type AssistanceCategory = keyof typeof ASSISTANCE_CATEGORIES;

export const ASSISTANCE_PRIORITIES = {
  low: 'Basse',
  normal: 'Normale',
  high: 'Haute',
  urgent: 'Urgente',
} as const;
export type AssistancePriority = keyof typeof ASSISTANCE_PRIORITIES;

export const ASSISTANCE_STATUSES = {
  new: 'Nouvelle',
  in_progress: 'En cours',
  waiting_requester: 'En attente du demandeur',
  resolved: 'Résolue',
  closed: 'Fermée',
} as const;
export type AssistanceStatus = keyof typeof ASSISTANCE_STATUSES;

/**
 * The time the association gives itself to answer, by priority, counted in calendar hours from the
 * request's opening (no business hours: « haute » is 24 hours, a working day in the usual case).
 */
export const DUE_HOURS: Readonly<Record<AssistancePriority, number>> = { urgent: 4, high: 24, normal: 72, low: 240 };

/** A security incident starts urgent (the 72 hours of art. 33 may be running); anything else normal. */
export const initialPriority = (category: AssistanceCategory): AssistancePriority => (category === 'security_incident' ? 'urgent' : 'normal');

/** The statuses in which the request is still open: the requester may write, it counts on the home page. */
export const OPEN_STATUSES: readonly AssistanceStatus[] = ['new', 'in_progress', 'waiting_requester'];
/** The statuses in which the association owes the next move (the due time counts). */
export const ASSOCIATION_TURN: readonly AssistanceStatus[] = ['new', 'in_progress'];

export const CNIL_STATUSES = {
  pending: 'À décider',
  notified: 'Notifiée à la CNIL',
  not_notified: 'Non notifiée (justifiée)',
} as const;
export type CnilStatus = keyof typeof CNIL_STATUSES;

export const PEOPLE_STATUSES = {
  pending: 'À décider',
  informed: 'Personnes informées',
  not_informed: 'Personnes non informées (justifié)',
} as const;
export type PeopleStatus = keyof typeof PEOPLE_STATUSES;

/** Art. 33(1): the controller notifies the supervisory authority within 72 hours of becoming aware. */
export const CNIL_DEADLINE_HOURS = 72;
