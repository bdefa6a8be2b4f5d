import type { Role } from '../permissions/roles';
import { lifecycle, type Transition } from '../shared/transitions';

/**
 * The life of an aid request (DESIGN §5, with issue 4's two additions: a landlord may withdraw
 * until the decision, and an adjourned request that will not be resumed can be closed).
 * Only the transitions below exist.
 */
export const REQUEST_STATUSES = [
  'draft',
  'submitted',
  'in_review',
  'awaiting_information',
  'granted',
  'refused',
  'adjourned',
  'withdrawn',
  'in_payment',
  'paid',
  'closed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const STATUS_LABELS: Record<RequestStatus, string> = {
  draft: 'Brouillon',
  submitted: 'Déposée',
  in_review: 'En instruction',
  awaiting_information: 'En attente du bailleur',
  granted: 'Accordée',
  refused: 'Refusée',
  adjourned: 'Ajournée',
  withdrawn: 'Retirée',
  in_payment: 'En paiement',
  paid: 'Payée',
  closed: 'Clôturée',
};

export type RequestAction =
  | 'submit'
  | 'withdraw'
  | 'take'
  | 'ask_information'
  | 'answer_information'
  | 'grant'
  | 'refuse'
  | 'adjourn'
  | 'reopen'
  | 'start_payment'
  | 'complete_payment'
  | 'close';

const LANDLORD: readonly Role[] = ['landlord_admin', 'landlord_instructor'];
const INSTRUCTORS: readonly Role[] = ['operator', 'admin'];
/** Payment steps are taken by the payment jobs and by the people who run them. */
const PAYMENT: readonly Role[] = ['operator', 'admin', 'accountant'];

export const TRANSITIONS: ReadonlyArray<Transition<RequestStatus, RequestAction>> = [
  { action: 'submit', from: ['draft'], to: 'submitted', roles: LANDLORD, label: 'Déposer la demande' },
  { action: 'withdraw', from: ['draft', 'submitted', 'in_review', 'awaiting_information'], to: 'withdrawn', roles: LANDLORD, label: 'Retirer la demande' },
  { action: 'take', from: ['submitted'], to: 'in_review', roles: INSTRUCTORS, label: 'Prendre en instruction' },
  { action: 'ask_information', from: ['in_review'], to: 'awaiting_information', roles: INSTRUCTORS, label: 'Demander des informations' },
  { action: 'answer_information', from: ['awaiting_information'], to: 'in_review', roles: [...LANDLORD, ...INSTRUCTORS], label: 'Répondre' },
  { action: 'grant', from: ['in_review'], to: 'granted', roles: INSTRUCTORS, label: 'Accorder' },
  { action: 'refuse', from: ['in_review'], to: 'refused', roles: INSTRUCTORS, label: 'Refuser' },
  { action: 'adjourn', from: ['in_review'], to: 'adjourned', roles: INSTRUCTORS, label: 'Ajourner' },
  { action: 'reopen', from: ['adjourned'], to: 'in_review', roles: INSTRUCTORS, label: 'Reprendre l’instruction' },
  { action: 'start_payment', from: ['granted'], to: 'in_payment', roles: PAYMENT, label: 'Mettre en paiement' },
  { action: 'complete_payment', from: ['in_payment'], to: 'paid', roles: PAYMENT, label: 'Constater le paiement' },
  { action: 'close', from: ['paid', 'adjourned'], to: 'closed', roles: INSTRUCTORS, label: 'Clôturer' },
];

const requestLifecycle = lifecycle(TRANSITIONS, STATUS_LABELS, 'une demande');

/** The transition an action takes from a status, for a role; throws a French InvalidTransitionError otherwise. */
export function transition(role: Role, status: RequestStatus, action: RequestAction): RequestStatus {
  return requestLifecycle.move(role, status, action);
}

/** What a role may do now on a request in this status (buttons to show; the service checks again). */
export function availableActions(role: Role, status: RequestStatus): Array<{ action: RequestAction; label: string; to: RequestStatus }> {
  return requestLifecycle.available(role, status).map((t) => ({ action: t.action, label: t.label, to: t.to }));
}

/** A request is "open" (blocks a new one of the same type for the household) until decided or withdrawn. */
export const OPEN_STATUSES: readonly RequestStatus[] = ['draft', 'submitted', 'in_review', 'awaiting_information', 'adjourned'];
/** The statuses of a request that was granted (the checks count them as aids received). */
export const GRANTED_STATUSES: readonly RequestStatus[] = ['granted', 'in_payment', 'paid', 'closed'];
