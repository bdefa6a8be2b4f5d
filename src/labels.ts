import { STATUS_LABELS as REQUEST_STATUS_LABELS } from './aid-requests/state-machine';
import { CONSENT_METHODS } from './aid-requests/schemas';
import { CIVILITY_LABELS, EMPLOYMENT_LABELS, RELATIONSHIP_LABELS, RESOURCE_LABELS } from './households/labels';
import { APPOINTMENT_STATUS_LABELS } from './missions/history-labels';
import { APPOINTMENT_MODES, MISSION_STATUS_LABELS, SESSION_KINDS } from './missions/state-machine';
import { BATCH_STATUS_LABELS } from './payments/batches';
import { ORGANISATION_KIND_LABELS, ROLE_LABELS } from './permissions/roles';

/**
 * Every dictionary a page may print a code through, by name: `{{ r.status | label('request_status') }}`.
 * Assembled here, at the root, so that an area's page shows another area's codes without importing it.
 */
export const LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  request_status: REQUEST_STATUS_LABELS,
  consent_method: CONSENT_METHODS,
  relationship: RELATIONSHIP_LABELS,
  employment: EMPLOYMENT_LABELS,
  resource: RESOURCE_LABELS,
  civility: CIVILITY_LABELS,
  mission_status: MISSION_STATUS_LABELS,
  session_kind: SESSION_KINDS,
  appointment_mode: APPOINTMENT_MODES,
  appointment_status: APPOINTMENT_STATUS_LABELS,
  batch_status: BATCH_STATUS_LABELS,
  role: ROLE_LABELS,
  organisation_kind: ORGANISATION_KIND_LABELS,
};
