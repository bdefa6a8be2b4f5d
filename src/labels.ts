import { STATUS_LABELS as REQUEST_STATUS_LABELS } from './aid-requests/state-machine';
import { CONSENT_MODES, ORIENTATION_CAUSES, ORIENTATION_CLOSE_REASONS, ORIENTATION_NEEDS, ORIENTATION_STATUS_LABELS } from './funder/labels';
import { ACK_CODE_LABELS, FILE_STATUS_LABELS, FLOW_LABELS, RECORD_STATUS_LABELS as FUNDER_RECORD_STATUS_LABELS } from './funder/exchanges/labels';
import { DECISION_KINDS, REFUSAL_REASONS } from './aid-requests/instruction/schemas';
import { CAUSES, CONSENT_METHODS } from './aid-requests/filing/schemas';
import { DOCUMENT_KINDS, PAYEE_KINDS } from './aid-types/rules';
import { CIVILITY_LABELS, EMPLOYMENT_LABELS, RELATIONSHIP_LABELS, RESOURCE_LABELS } from './households/labels';
import { BILLING_MODES } from './missions/admin-routes';
import { APPOINTMENT_STATUS_LABELS } from './missions/history-labels';
import { APPOINTMENT_MODES, MISSION_STATUS_LABELS, OBJECTIVE_CATEGORIES, OBJECTIVE_RESULTS, SESSION_KINDS } from './missions/state-machine';
import { BATCH_STATUS_LABELS } from './payments/transfers/batches';
import { BANK_ACCOUNT_STATUS_LABELS } from './payments/labels';
import { ORGANISATION_KIND_LABELS, ROLE_LABELS } from './permissions/roles';
import { RIGHT_CHANNEL_LABELS, RIGHT_KINDS } from './rights/labels';

/** The status of a user, a member, an agency or a mail (one word for all of them). */
export const RECORD_STATUS_LABELS = {
  active: 'Actif',
  suspended: 'Suspendu',
  deactivated: 'Désactivé',
  closed: 'Fermée',
  pending: 'En attente',
  sent: 'Envoyé',
  failed: 'En échec',
  stored: 'Conservé (pas de SMTP)',
} as const;

/** Where an instalment's transfer stands, as the request page shows it. */
export const PAYMENT_STATUS_LABELS = {
  scheduled: 'Programmé',
  batched: 'En lot',
  sent: 'Transmis',
  settled: 'Payé',
  rejected: 'Rejeté',
  cancelled: 'Annulé',
} as const;

/** The counts jobs report, in the administrators' words (a key not listed shows as it is). */
export const JOB_COUNT_LABELS = {
  batches: 'lots',
  payments: 'virements',
  skipped: 'écartés',
  entries: 'écritures',
  lines: 'lignes',
  sent: 'envoyés',
  failed: 'en échec',
  retried: 'retentés',
  dayBefore: 'rappels la veille',
  halfHour: 'rappels 30 min avant',
  reminded: 'relances',
  deleted: 'supprimées',
  alerts: 'alertes',
  erased: 'missions effacées',
  bytes: 'octets',
  kept: 'sauvegardes gardées',
  offsite_bytes: 'octets copiés hors site',
  offsite_kept: 'sauvegardes gardées hors site',
  offsite_deleted: 'sauvegardes hors site supprimées',
  files: 'fichiers',
  refused: 'fichiers refusés',
  accepted: 'acceptées',
  rejected: 'rejetées',
  duplicates: 'doublons',
  unsent_acknowledgements: 'accusés à renvoyer',
  delivered: 'fichiers déposés',
  undelivered: 'fichiers à redéposer',
  invoices: 'factures',
  held_back: 'missions mises de côté (bailleur sans SIREN)',
  records: 'enregistrements',
  secret: 'cases secrètes',
  events: 'événements',
  acknowledgements: 'accusés lus',
  unacknowledged: 'fichiers sans accusé depuis 48 h signalés',
  months: 'mois recalculés',
  full: 'recalcul complet',
  views: 'pages préparées',
  reports: 'rapports envoyés',
  already: 'rapports déjà envoyés',
  checks_ok: 'contrôles réussis',
  rpo_seconds: 'âge de la sauvegarde (RPO, s)',
  rto_seconds: 'durée de restauration (RTO, s)',
  mails: 'courriels',
  reviews: 'points à revoir',
} as const;

/**
 * Every dictionary a page may print a code through, by name: `{{ r.status | label('request_status') }}`.
 * Assembled here, at the root, so that an area's page shows another area's codes without importing it.
 * A route passes a dictionary to its view only to build <select> options (value/text lists), never to print a code.
 */
export const LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  request_status: REQUEST_STATUS_LABELS,
  request_cause: CAUSES,
  consent_method: { ...CONSENT_METHODS, e_signature: 'Signé électroniquement par le ménage' },
  decision_kind: DECISION_KINDS,
  refusal_reason: REFUSAL_REASONS,
  document_kind: DOCUMENT_KINDS,
  payee_kind: PAYEE_KINDS,
  relationship: RELATIONSHIP_LABELS,
  employment: EMPLOYMENT_LABELS,
  resource: RESOURCE_LABELS,
  civility: CIVILITY_LABELS,
  mission_status: MISSION_STATUS_LABELS,
  session_kind: SESSION_KINDS,
  objective_category: OBJECTIVE_CATEGORIES,
  objective_result: OBJECTIVE_RESULTS,
  billing_mode: BILLING_MODES,
  appointment_mode: APPOINTMENT_MODES,
  appointment_status: APPOINTMENT_STATUS_LABELS,
  batch_status: BATCH_STATUS_LABELS,
  bank_account_status: BANK_ACCOUNT_STATUS_LABELS,
  payment_status: PAYMENT_STATUS_LABELS,
  job_count: JOB_COUNT_LABELS,
  role: ROLE_LABELS,
  organisation_kind: ORGANISATION_KIND_LABELS,
  record_status: RECORD_STATUS_LABELS,
  right_kind: RIGHT_KINDS,
  right_channel: RIGHT_CHANNEL_LABELS,
  orientation_status: ORIENTATION_STATUS_LABELS,
  orientation_close_reason: ORIENTATION_CLOSE_REASONS,
  orientation_need: ORIENTATION_NEEDS,
  orientation_cause: ORIENTATION_CAUSES,
  orientation_consent: CONSENT_MODES,
  funder_file_status: FILE_STATUS_LABELS,
  funder_record_status: FUNDER_RECORD_STATUS_LABELS,
  funder_ack_code: ACK_CODE_LABELS,
  funder_flow: FLOW_LABELS,
};
