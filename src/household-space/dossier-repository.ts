import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';

export interface HouseholdRequestRow {
  id: string;
  reference: string | null;
  status: string;
  aidLabel: string;
  requestedCents: string | null;
  grantedCents: string | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  informationRequestedAt: Date | null;
  informationAnsweredAt: Date | null;
  createdAt: Date;
}

export interface HouseholdDecisionRow {
  id: string;
  kind: string;
  amountCents: string | null;
  instalments: number | null;
  adjournedUntil: string | null;
  appliedAt: Date | null;
  hasLetter: boolean;
  letterBlobId: string | null;
}

export interface HouseholdPaymentRow {
  instalment: number;
  instalments: number;
  amountCents: string;
  dueDate: string;
  status: string;
  payeeName: string;
}

export interface HouseholdMissionRow {
  id: string;
  reference: string;
  status: string;
  typeLabel: string;
  adviserName: string | null;
  acceptedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

export interface HouseholdAppointmentRow {
  id: string;
  startsAt: Date;
  durationMinutes: number;
  mode: string;
  place: string;
  status: string;
}

/**
 * What a household may read of its own dossier, every query bound to its household id (the scope
 * is in the SQL, not remembered by the routes): requests, decisions and letters, instalments (amount
 * and date, never the bank details), missions, objectives and appointments (never the adviser's
 * notes or session summaries).
 */
export interface HouseholdSharedSession {
  heldOn: string;
  durationMinutes: number;
  kind: string;
  summary: string;
  nextSteps: string | null;
}

export class HouseholdDossierRepository {
  constructor(private readonly cipher: FieldCipher) {}

  /** The sessions whose summary the adviser shared with the household (never the private notes). */
  async sharedSessions(db: Db, missionId: string): Promise<HouseholdSharedSession[]> {
    const rows = await db('mission_sessions')
      .where({ mission_id: missionId, shared_with_household: true })
      .orderBy('held_on', 'desc')
      .limit(100)
      .select<HouseholdSharedSession[]>('held_on as heldOn', 'duration_minutes as durationMinutes', 'kind', 'summary', 'next_steps as nextSteps');
    return rows.map((r) => ({ ...r, summary: this.cipher.decrypt(r.summary, 'mission_sessions.summary') }));
  }

  async requests(db: Db, householdId: string): Promise<HouseholdRequestRow[]> {
    return this.requestQuery(db, householdId).whereNot('r.status', 'withdrawn').orderBy('r.created_at', 'desc').limit(100);
  }

  async request(db: Db, householdId: string, requestId: string): Promise<HouseholdRequestRow | null> {
    const [row] = await this.requestQuery(db, householdId).where('r.id', requestId);
    return row ?? null;
  }

  /** The household's requests (the scope is in the query: its household id), as the household reads them. */
  private requestQuery(db: Db, householdId: string) {
    return db('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.household_id', householdId)
      .select<HouseholdRequestRow[]>(
        'r.id',
        'r.reference',
        'r.status',
        't.label as aidLabel',
        'r.requested_cents as requestedCents',
        'r.granted_cents as grantedCents',
        'r.submitted_at as submittedAt',
        'r.decided_at as decidedAt',
        'r.information_requested_at as informationRequestedAt',
        'r.information_answered_at as informationAnsweredAt',
        'r.created_at as createdAt',
      );
  }

  /** The decisions applied on the request (a proposal waiting for its validation is not a decision yet). */
  async decisions(db: Db, requestId: string): Promise<HouseholdDecisionRow[]> {
    const rows = await db('decisions')
      .where({ request_id: requestId, status: 'applied' })
      .orderBy('validated_at', 'desc')
      .select(
        'id',
        'kind',
        'amount_cents as amountCents',
        'instalments',
        'adjourned_until as adjournedUntil',
        db.raw('coalesce(validated_at, proposed_at) as "appliedAt"'),
        'letter_blob_id as letterBlobId',
      );
    return (rows as HouseholdDecisionRow[]).map((r) => ({ ...r, hasLetter: r.letterBlobId !== null }));
  }

  async payments(db: Db, requestId: string): Promise<HouseholdPaymentRow[]> {
    return db('payments')
      .where({ request_id: requestId })
      .whereNot('status', 'cancelled')
      .orderBy('instalment')
      .select<HouseholdPaymentRow[]>('instalment', 'instalments', 'amount_cents as amountCents', 'due_date as dueDate', 'status', 'payee_name as payeeName');
  }

  async missions(db: Db, householdId: string): Promise<HouseholdMissionRow[]> {
    return (await this.missionQuery(db).where('m.household_id', householdId).orderBy('m.ordered_at', 'desc').limit(50)) as HouseholdMissionRow[];
  }

  async mission(db: Db, householdId: string, missionId: string): Promise<HouseholdMissionRow | null> {
    const rows = await this.missionQuery(db).where({ 'm.household_id': householdId, 'm.id': missionId });
    return (rows[0] as HouseholdMissionRow | undefined) ?? null;
  }

  private missionQuery(db: Db) {
    return db('missions as m')
      .join('mission_types as t', 't.id', 'm.mission_type_id')
      .leftJoin('users as u', 'u.id', 'm.adviser_id')
      .whereNot('m.status', 'declined')
      .select(
        'm.id',
        'm.reference',
        'm.status',
        't.label as typeLabel',
        db.raw('case when u.id is null then null else u.first_name || \' \' || u.last_name end as "adviserName"'),
        'm.accepted_at as acceptedAt',
        'm.started_at as startedAt',
        'm.ended_at as endedAt',
      );
  }

  async objectives(db: Db, missionId: string): Promise<Array<{ text: string; result: string | null }>> {
    return db('mission_objectives')
      .where({ mission_id: missionId })
      .orderBy('position')
      .select<Array<{ text: string; result: string | null }>>('text', 'result');
  }

  async appointments(db: Db, missionId: string): Promise<HouseholdAppointmentRow[]> {
    return db('appointments')
      .where({ mission_id: missionId })
      .orderBy('starts_at', 'desc')
      .limit(50)
      .select<HouseholdAppointmentRow[]>('id', 'starts_at as startsAt', 'duration_minutes as durationMinutes', 'mode', 'place', 'status');
  }
}
