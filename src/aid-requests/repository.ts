import type { Db, Page } from '../db/types';
import { isUuid, toPage } from '../db/types';
import type { Scope } from '../permissions';
import { parisDate } from '../shared/dates';
import type { SituationSnapshot } from './situation';
import type { RequestStatus } from './state-machine';

export interface AidRequest {
  id: string;
  reference: string | null;
  organisationId: string;
  organisationName: string;
  householdId: string;
  aidTypeId: string;
  aidTypeCode: string;
  aidTypeLabel: string;
  aidTypeVersionId: string | null;
  status: RequestStatus;
  situation: SituationSnapshot;
  requestedCents: number | null;
  requestedMonths: number | null;
  grantedCents: number | null;
  consent: { date: string; method: string; recordedBy: string; noticeVersion: string } | null;
  createdBy: string;
  submittedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RequestEvent {
  occurredAt: Date;
  actorLabel: string;
  kind: 'status_change' | 'message' | 'note';
  fromStatus: string | null;
  toStatus: string | null;
  message: string | null;
  visibility: 'shared' | 'internal';
}

const toRequest = (r: Record<string, unknown>): AidRequest => ({
  id: r.id as string,
  reference: (r.reference as string | null) ?? null,
  organisationId: r.organisation_id as string,
  organisationName: r.organisation_name as string,
  householdId: r.household_id as string,
  aidTypeId: r.aid_type_id as string,
  aidTypeCode: r.aid_type_code as string,
  aidTypeLabel: r.aid_type_label as string,
  aidTypeVersionId: (r.aid_type_version_id as string | null) ?? null,
  status: r.status as RequestStatus,
  situation: r.situation as SituationSnapshot,
  requestedCents: r.requested_cents === null ? null : Number(r.requested_cents),
  requestedMonths: (r.requested_months as number | null) ?? null,
  grantedCents: r.granted_cents === null ? null : Number(r.granted_cents),
  consent: (r.consent as AidRequest['consent']) ?? null,
  createdBy: r.created_by as string,
  submittedAt: (r.submitted_at as Date | null) ?? null,
  version: r.version as number,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

function scoped(db: Db, scope: Scope) {
  const q = db('aid_requests as r')
    .join('organisations as o', 'o.id', 'r.organisation_id')
    .join('aid_types as t', 't.id', 'r.aid_type_id')
    .select('r.*', 'o.name as organisation_name', 't.code as aid_type_code', 't.label as aid_type_label');
  // a draft is the landlord's work in progress: the association only sees requests once submitted
  return scope.all ? q.whereNot('r.status', 'draft') : q.where('r.organisation_id', scope.organisationId);
}

export class AidRequestRepository {
  async findById(db: Db, scope: Scope, id: string): Promise<AidRequest | null> {
    if (!isUuid(id)) return null;
    const row = await scoped(db, scope).where('r.id', id).first();
    return row ? toRequest(row) : null;
  }

  async list(db: Db, scope: Scope, f: { status?: RequestStatus; householdId?: string }, page: number, pageSize = 50): Promise<Page<AidRequest>> {
    const q = scoped(db, scope);
    if (f.status) q.where('r.status', f.status);
    if (f.householdId && isUuid(f.householdId)) q.where('r.household_id', f.householdId);
    const [c] = await q.clone().clearSelect().count<{ count: string }[]>('* as count');
    const rows = await q.orderBy([{ column: 'r.updated_at', order: 'desc' }, { column: 'r.id' }]).limit(pageSize).offset((page - 1) * pageSize);
    return toPage(rows.map(toRequest), Number(c?.count ?? 0), page, pageSize);
  }

  async insert(db: Db, r: { organisationId: string; householdId: string; aidTypeId: string; situation: SituationSnapshot; createdBy: string }, now: Date): Promise<string> {
    const [row] = await db('aid_requests')
      .insert({ organisation_id: r.organisationId, household_id: r.householdId, aid_type_id: r.aidTypeId, situation: JSON.stringify(r.situation), created_by: r.createdBy, created_at: now, updated_at: now })
      .returning('id');
    return (row as { id: string }).id;
  }

  /** Saves the draft's situation when the version still matches. */
  async saveSituation(db: Db, id: string, version: number, s: SituationSnapshot, requestedCents: number | null, requestedMonths: number | null, now: Date): Promise<boolean> {
    const n = await db('aid_requests')
      .where({ id, version, status: 'draft' })
      .update({ situation: JSON.stringify(s), requested_cents: requestedCents, requested_months: requestedMonths, version: version + 1, updated_at: now });
    return n === 1;
  }

  /** Moves the request to a status when it is still in the expected status and version. */
  async changeStatus(db: Db, id: string, version: number, from: RequestStatus, to: RequestStatus, patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('aid_requests').where({ id, version, status: from }).update({ ...patch, status: to, version: version + 1, updated_at: now });
    return n === 1;
  }

  /** Another open request of the same household for the same aid type. */
  async openOfSameType(db: Db, householdId: string, aidTypeId: string, exceptId: string, openStatuses: readonly string[]): Promise<string | null> {
    const row = await db('aid_requests').where({ household_id: householdId, aid_type_id: aidTypeId }).whereIn('status', openStatuses).whereNot('id', exceptId).first('reference', 'id');
    return row ? ((row.reference as string | null) ?? 'un brouillon') : null;
  }

  /** Aids granted to a household (any landlord), for rolling ceilings and frequency limits. */
  async grantedAidsOf(db: Db, householdId: string) {
    const rows = await db('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.household_id', householdId)
      .whereIn('r.status', ['granted', 'in_payment', 'paid', 'closed'])
      .whereNotNull('r.decided_at')
      .select('t.code', 't.group_code', 'r.decided_at', 'r.granted_cents');
    return rows.map((r: Record<string, unknown>) => ({
      aidTypeCode: r.code as string,
      groupCode: (r.group_code as string | null) ?? null,
      grantedOn: parisDate(r.decided_at as Date),
      amountCents: Number(r.granted_cents ?? 0),
    }));
  }

  async addEvent(db: Db, requestId: string, e: Omit<RequestEvent, 'occurredAt'> & { actorUserId: string | null }, now: Date): Promise<void> {
    await db('request_events').insert({
      request_id: requestId, occurred_at: now, actor_user_id: e.actorUserId, actor_label: e.actorLabel, kind: e.kind,
      from_status: e.fromStatus, to_status: e.toStatus, message: e.message, visibility: e.visibility,
    });
  }

  async events(db: Db, requestId: string, includeInternal: boolean): Promise<RequestEvent[]> {
    const q = db('request_events').where({ request_id: requestId }).orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    if (!includeInternal) q.where('visibility', 'shared');
    return (await q).map((r: Record<string, unknown>) => ({
      occurredAt: r.occurred_at as Date, actorLabel: r.actor_label as string, kind: r.kind as RequestEvent['kind'],
      fromStatus: (r.from_status as string | null) ?? null, toStatus: (r.to_status as string | null) ?? null,
      message: (r.message as string | null) ?? null, visibility: r.visibility as RequestEvent['visibility'],
    }));
  }
}
