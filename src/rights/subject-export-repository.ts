import type { Knex } from 'knex';
import type { Db } from '../db/types';
import type { OrganisationRepository } from '../organisations/repository';

// Rows as the driver returns them: bigint as string, date as 'YYYY-MM-DD', timestamptz as Date, jsonb parsed
// (its content is whatever was stored, hence unknown; the export reads it).

export interface SubjectPersonRow {
  id: string;
  civility: 'mme' | 'm' | null;
  last_name: string;
  first_names: string;
  birth_date: string;
  email: string | null;
  phone: string | null;
  employment_status: string;
  employer_name: string | null;
  employer_siret: string | null;
  resource_salary_cents: string;
  resource_unemployment_cents: string;
  resource_caf_cents: string;
  resource_pension_cents: string;
  resource_rsa_cents: string;
  resource_other_cents: string;
  created_at: Date;
  updated_at: Date;
}

export interface SubjectMembershipRow {
  household_id: string;
  relationship: string;
  from_date: string;
  to_date: string | null;
  address_line1: string;
  address_line2: string | null;
  postcode: string;
  city: string;
  tenancy_reference: string;
  entry_date: string | null;
  rent_cents: string;
  charges_cents: string;
  housing_allowance_cents: string;
  landlord: string;
}

export interface SubjectRequestRow {
  id: string;
  reference: string | null;
  status: string;
  situation: unknown;
  consent: unknown;
  requested_cents: string | null;
  requested_months: number | null;
  granted_cents: string | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  payee_kind: string | null;
  payee_name: string | null;
  aid: string;
}

export interface SubjectDecisionRow {
  request_id: string;
  kind: string;
  amount_cents: string | null;
  instalments: number | null;
  first_due_date: string | null;
  reason_code: string | null;
  adjourned_until: string | null;
  validated_at: Date | null;
  proposed_at: Date;
  status: string;
}

export interface SubjectPaymentRow {
  request_id: string;
  instalment: number;
  amount_cents: string;
  due_date: string;
  status: string;
  settled_at: Date | null;
}

export interface SubjectDocumentRow {
  request_id: string;
  kind: string;
  filename: string;
  version: number;
  current: boolean;
  uploaded_at: Date;
}

export interface SubjectUploadRow {
  request_id: string;
  filename: string;
  uploaded_at: Date;
}

export interface SubjectExchangeRow {
  request_id: string;
  occurred_at: Date;
  kind: string;
  to_status: string | null;
  message: string | null;
}

export interface SubjectMissionRow {
  id: string;
  reference: string;
  status: string;
  reason: string;
  ordered_at: Date;
  accepted_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  consent: unknown;
  outcome: string | null;
  recommendations: string | null;
  decline_reason: string | null;
  interruption_reason: string | null;
  type: string;
}

export interface SubjectObjectiveRow {
  mission_id: string;
  position: number;
  category: string;
  text: string;
  result: string | null;
}

export interface SubjectSessionRow {
  mission_id: string;
  held_on: string;
  duration_minutes: number;
  kind: string;
  participants: string;
  /** Encrypted at rest (mission_sessions.summary). */
  summary: string;
  next_steps: string | null;
}

export interface SubjectAppointmentRow {
  mission_id: string;
  starts_at: Date;
  duration_minutes: number;
  mode: string;
  place: string;
  status: string;
}

export interface SubjectHistoryRow {
  occurred_at: Date;
  action: string;
  before: unknown;
  after: unknown;
}

export interface SubjectTraceRow {
  occurred_at: Date;
  action: string;
  entity_type: string;
  organisation: string;
}

export interface SubjectRightsRow {
  kind: string;
  received_on: string;
  due_on: string;
  channel: string;
  answered_on: string | null;
  answer: string | null;
}

/** Everything held on one person, as read from the tables (the export assembles it). */
export interface SubjectRecords {
  person: SubjectPersonRow;
  association: { name: string; siren: string | null } | null;
  memberships: SubjectMembershipRow[];
  requests: SubjectRequestRow[];
  decisions: SubjectDecisionRow[];
  payments: SubjectPaymentRow[];
  documents: SubjectDocumentRow[];
  uploads: SubjectUploadRow[];
  exchanges: SubjectExchangeRow[];
  missions: SubjectMissionRow[];
  objectives: SubjectObjectiveRow[];
  sessions: SubjectSessionRow[];
  appointments: SubjectAppointmentRow[];
  history: SubjectHistoryRow[];
  /** Newest first, at most the limit asked. */
  traces: SubjectTraceRow[];
  rights: SubjectRightsRow[];
}

/** The person's association lookup (the data controller named in the export). */
export type AssociationLookup = Pick<OrganisationRepository, 'firstAssociation'>;

/**
 * The reads behind the subject-access export (GDPR art. 15 and 20): the person, the households
 * they belonged to and what hangs on them (requests, decisions, payments, documents, exchanges,
 * missions, sessions, appointments), the person's history, who consulted their files, and their
 * rights requests. Read only; no change made.
 */
export class SubjectExportRepository {
  private readonly organisations: AssociationLookup;

  constructor(organisations: AssociationLookup) {
    this.organisations = organisations;
  }

  /** The person's records, or null when the id names nobody; `traceLimit` caps the consultation traces read. */
  async read(db: Db, personId: string, traceLimit: number): Promise<SubjectRecords | null> {
    const person = await db<SubjectPersonRow>('persons').where({ id: personId }).first();
    if (!person) return null;
    const association = await this.organisations.firstAssociation(db);
    const memberships = await db('household_members as m')
      .join('households as h', 'h.id', 'm.household_id')
      .join('organisations as o', 'o.id', 'h.organisation_id')
      .where('m.person_id', personId)
      .orderBy('m.from_date')
      .select<SubjectMembershipRow[]>(
        'm.household_id',
        'm.relationship',
        'm.from_date',
        'm.to_date',
        'h.address_line1',
        'h.address_line2',
        'h.postcode',
        'h.city',
        'h.tenancy_reference',
        'h.entry_date',
        'h.rent_cents',
        'h.charges_cents',
        'h.housing_allowance_cents',
        'o.name as landlord',
      );
    const householdIds = [...new Set(memberships.map((m) => m.household_id))];

    const requests = householdIds.length
      ? await db('aid_requests as r')
          .join('aid_types as t', 't.id', 'r.aid_type_id')
          .whereIn('r.household_id', householdIds)
          .orderBy('r.created_at')
          .select<SubjectRequestRow[]>(
            'r.id',
            'r.reference',
            'r.status',
            'r.situation',
            'r.consent',
            'r.requested_cents',
            'r.requested_months',
            'r.granted_cents',
            'r.submitted_at',
            'r.decided_at',
            'r.payee_kind',
            'r.payee_name',
            't.label as aid',
          )
      : [];
    const requestIds = requests.map((r) => r.id);
    const ofRequests = (table: string) => db(table).whereIn('request_id', requestIds);
    const decisions = requestIds.length
      ? await ofRequests('decisions')
          .orderBy('proposed_at')
          .select<SubjectDecisionRow[]>(
            'request_id',
            'kind',
            'amount_cents',
            'instalments',
            'first_due_date',
            'reason_code',
            'adjourned_until',
            'validated_at',
            'proposed_at',
            'status',
          )
      : [];
    const payments = requestIds.length
      ? await ofRequests('payments')
          .orderBy('due_date')
          .select<SubjectPaymentRow[]>('request_id', 'instalment', 'amount_cents', 'due_date', 'status', 'settled_at')
      : [];
    const documents = requestIds.length
      ? await ofRequests('request_documents')
          .orderBy('uploaded_at')
          .select<SubjectDocumentRow[]>('request_id', 'kind', 'filename', 'version', 'current', 'uploaded_at')
      : [];
    const uploads = requestIds.length
      ? await ofRequests('request_uploads').orderBy('uploaded_at').select<SubjectUploadRow[]>('request_id', 'filename', 'uploaded_at')
      : [];
    const exchanges = requestIds.length
      ? await db('request_events')
          .whereIn('request_id', requestIds)
          .where('visibility', 'shared')
          .whereNot('kind', 'note')
          .orderBy('occurred_at')
          .select<SubjectExchangeRow[]>('request_id', 'occurred_at', 'kind', 'to_status', 'message')
      : [];

    const missions = householdIds.length
      ? await db('missions as m')
          .join('mission_types as t', 't.id', 'm.mission_type_id')
          .whereIn('m.household_id', householdIds)
          .orderBy('m.ordered_at')
          .select<SubjectMissionRow[]>(
            'm.id',
            'm.reference',
            'm.status',
            'm.reason',
            'm.ordered_at',
            'm.accepted_at',
            'm.started_at',
            'm.ended_at',
            'm.consent',
            'm.outcome',
            'm.recommendations',
            'm.decline_reason',
            'm.interruption_reason',
            't.label as type',
          )
      : [];
    const missionIds = missions.map((m) => m.id);
    const ofMissions = (table: string) => db(table).whereIn('mission_id', missionIds);
    const objectives = missionIds.length
      ? await ofMissions('mission_objectives').orderBy('position').select<SubjectObjectiveRow[]>('mission_id', 'position', 'category', 'text', 'result')
      : [];
    const sessions = missionIds.length
      ? await ofMissions('mission_sessions')
          .orderBy('held_on')
          .select<SubjectSessionRow[]>('mission_id', 'held_on', 'duration_minutes', 'kind', 'participants', 'summary', 'next_steps')
      : [];
    const appointments = missionIds.length
      ? await ofMissions('appointments')
          .orderBy('starts_at')
          .select<SubjectAppointmentRow[]>('mission_id', 'starts_at', 'duration_minutes', 'mode', 'place', 'status')
      : [];

    const history = await db('audit_events')
      .where({ entity_type: 'person', entity_id: personId })
      .orderBy('occurred_at')
      .select<SubjectHistoryRow[]>('occurred_at', 'action', 'before', 'after');
    const traced = (w: Knex.QueryBuilder) => {
      w.where({ 'e.entity_type': 'person', 'e.entity_id': personId });
      if (householdIds.length) w.orWhere((x) => x.where('e.entity_type', 'household').whereIn('e.entity_id', householdIds));
      if (requestIds.length) w.orWhere((x) => x.where('e.entity_type', 'aid_request').whereIn('e.entity_id', requestIds));
      if (missionIds.length) w.orWhere((x) => x.where('e.entity_type', 'mission').whereIn('e.entity_id', missionIds));
    };
    const traces = await db('access_events as e')
      .join('organisations as o', 'o.id', 'e.organisation_id')
      .where(traced)
      .orderBy('e.occurred_at', 'desc')
      .limit(traceLimit)
      .select<SubjectTraceRow[]>('e.occurred_at', 'e.action', 'e.entity_type', 'o.name as organisation');
    // what the person read of their own dossier from the household space (household_access_events)
    const ownReads = await db('household_access_events')
      .where({ person_id: personId })
      .orderBy('occurred_at', 'desc')
      .limit(traceLimit)
      .select<SubjectTraceRow[]>('occurred_at', 'action', 'entity_type', db.raw("'La personne elle-même, depuis son espace' as organisation"));
    const allTraces = [...traces, ...ownReads].sort((a, b) => new Date(b.occurred_at).getTime() - new Date(a.occurred_at).getTime()).slice(0, traceLimit);
    const rights = await db('rights_requests')
      .where({ person_id: personId })
      .orderBy('received_on')
      .select<SubjectRightsRow[]>('kind', 'received_on', 'due_on', 'channel', 'answered_on', 'answer');

    return {
      person,
      association: association ? { name: association.name, siren: association.siren } : null,
      memberships,
      requests,
      decisions,
      payments,
      documents,
      uploads,
      exchanges,
      missions,
      objectives,
      sessions,
      appointments,
      history,
      traces: allTraces,
      rights,
    };
  }
}
