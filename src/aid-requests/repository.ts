import type { Knex } from 'knex';
import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { PayeeKind } from '../aid-types/rules';
import type { Scope } from '../permissions';
import { parisDate } from '../shared/dates';
import type { FieldCipher } from '../shared/field-cipher';
import type { SituationSnapshot } from './filing/situation';
import { GRANTED_STATUSES, type RequestStatus } from './state-machine';

/** Where an actor may look for requests: an organisation scope, narrowed to one agency for restricted users. */
export type RequestScope = Scope & { readonly agencyId?: string };

export interface Consent {
  informed: boolean;
  date: string;
  method: string;
  recordedBy: string;
  noticeVersion: string;
}

export interface Payee {
  kind: PayeeKind;
  name: string;
  iban: string;
  bic: string | null;
}

export interface AidRequest {
  id: string;
  reference: string | null;
  organisationId: string;
  organisationName: string;
  agencyId: string | null;
  agencyName: string | null;
  householdId: string;
  /** The household's entry date when read with the request (selectRequest): the checks need nothing more of the household. */
  householdEntryDate?: string | null;
  aidTypeId: string;
  aidTypeCode: string;
  aidTypeLabel: string;
  aidTypeGroup: string | null;
  organisationActive: boolean;
  aidTypePayees: PayeeKind[];
  validationThresholdCents: number | null;
  aidTypeVersionId: string | null;
  status: RequestStatus;
  situation: SituationSnapshot;
  tenantName: string | null;
  requestedCents: number | null;
  /** the ASD case number when the request comes from an orientation of Action Logement */
  orientationAsd: string | null;
  requestedMonths: number | null;
  grantedCents: number | null;
  payee: Payee | null;
  consent: Consent | null;
  assignedTo: string | null;
  assignedToName: string | null;
  createdBy: string;
  submittedAt: Date | null;
  decidedAt: Date | null;
  informationRequestedAt: Date | null;
  informationAnsweredAt: Date | null;
  adjournedUntil: string | null;
  submitChecks: Array<{ code: string; level: string; message: string }> | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type EventKind =
  'status_change' | 'message' | 'note' | 'information_request' | 'information_answer' | 'assignment' | 'proposal' | 'decision' | 'reminder' | 'payment';

export interface RequestEvent {
  id: string;
  occurredAt: Date;
  actorLabel: string;
  actorSide: 'association' | 'landlord' | 'system';
  kind: EventKind;
  fromStatus: string | null;
  toStatus: string | null;
  message: string | null;
  visibility: 'shared' | 'internal';
  attachments: Array<{ id: string; filename: string }>;
}

export interface NewEvent {
  actorUserId: string | null;
  actorLabel: string;
  kind: EventKind;
  fromStatus?: string | null;
  toStatus?: string | null;
  message?: string | null;
  visibility: 'shared' | 'internal';
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** A row of aid_requests as PostgreSQL returns it (bigint as string, date as 'YYYY-MM-DD', jsonb parsed). */
export interface RequestTableRow {
  id: string;
  reference: string | null;
  organisation_id: string;
  agency_id: string | null;
  household_id: string;
  aid_type_id: string;
  aid_type_version_id: string | null;
  status: RequestStatus;
  situation: SituationSnapshot;
  tenant_name: string | null;
  search_name: string | null;
  requested_cents: string | null;
  orientation_asd: string | null;
  requested_months: number | null;
  granted_cents: string | null;
  payee_kind: PayeeKind | null;
  payee_name: string | null;
  payee_iban: string | null;
  payee_iban_hash: string | null;
  payee_bic: string | null;
  consent: Consent | null;
  assigned_to: string | null;
  assigned_at: Date | null;
  created_by: string;
  submitted_at: Date | null;
  decided_at: Date | null;
  information_requested_at: Date | null;
  information_reminded_at: Date | null;
  information_answered_at: Date | null;
  adjourned_until: string | null;
  submit_checks: AidRequest['submitChecks'];
  closed_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** What `selectRequest` returns: the request's columns and the names looked up beside them. */
export interface SelectedRequestRow extends RequestTableRow {
  organisation_name: string;
  organisation_status: string;
  aid_type_code: string;
  aid_type_label: string;
  aid_type_group: string | null;
  aid_type_payees: PayeeKind[] | null;
  validation_threshold_cents: string | null;
  agency_name: string | null;
  assigned_to_name: string | null;
  /** selectRequest's: the household's entry date, for the checks ('YYYY-MM-DD'); absent from other selects. */
  household_entry_date?: string | null;
}

export const toRequest = (r: SelectedRequestRow): AidRequest => ({
  ...(r.household_entry_date !== undefined ? { householdEntryDate: r.household_entry_date } : {}),
  id: r.id,
  reference: r.reference ?? null,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  agencyId: r.agency_id ?? null,
  agencyName: r.agency_name ?? null,
  householdId: r.household_id,
  aidTypeId: r.aid_type_id,
  aidTypeCode: r.aid_type_code,
  aidTypeLabel: r.aid_type_label,
  aidTypeGroup: r.aid_type_group ?? null,
  organisationActive: r.organisation_status === 'active',
  aidTypePayees: r.aid_type_payees ?? [],
  validationThresholdCents: num(r.validation_threshold_cents),
  aidTypeVersionId: r.aid_type_version_id ?? null,
  status: r.status,
  situation: r.situation,
  tenantName: r.tenant_name ?? null,
  requestedCents: num(r.requested_cents),
  orientationAsd: r.orientation_asd ?? null,
  requestedMonths: r.requested_months ?? null,
  grantedCents: num(r.granted_cents),
  payee: r.payee_kind ? { kind: r.payee_kind, name: r.payee_name ?? '', iban: r.payee_iban ?? '', bic: r.payee_bic ?? null } : null,
  consent: r.consent ?? null,
  assignedTo: r.assigned_to ?? null,
  assignedToName: r.assigned_to_name ?? null,
  createdBy: r.created_by,
  submittedAt: r.submitted_at ?? null,
  decidedAt: r.decided_at ?? null,
  informationRequestedAt: r.information_requested_at ?? null,
  informationAnsweredAt: r.information_answered_at ?? null,
  adjournedUntil: r.adjourned_until ?? null,
  submitChecks: r.submit_checks ?? null,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Requests an actor may see. A draft is the landlord's work in progress: the association only sees
 * requests once submitted. A restricted landlord user sees only their agency's requests.
 * The requests table alone: names of the landlord, aid, agency and instructor come from
 * `requestNameColumns`, looked up for the rows returned only.
 */
export function visibleRequests(db: Db, scope: RequestScope) {
  const q = db('aid_requests as r');
  if (scope.all) q.whereNot('r.status', 'draft');
  else q.where('r.organisation_id', scope.organisationId);
  if (scope.agencyId) q.where('r.agency_id', scope.agencyId);
  return q;
}

/**
 * The names a line of a list shows, as lookups by primary key evaluated for the returned rows
 * only. Joining the four tables instead made PostgreSQL plan a six-way join on every page:
 * planning cost ten times the execution of a 50-row page (2.7 ms against 0.25 ms).
 */
export function requestNameColumns(db: Db) {
  return [
    db.raw('(select o.name from organisations o where o.id = r.organisation_id) as organisation_name'),
    db.raw('(select t.label from aid_types t where t.id = r.aid_type_id) as aid_type_label'),
    db.raw('(select ag.name from agencies ag where ag.id = r.agency_id) as agency_name'),
    db.raw("(select au.first_name || ' ' || au.last_name from users au where au.id = r.assigned_to) as assigned_to_name"),
  ];
}

/** One request with what its pages need of its landlord and aid type, looked up by key (no join to plan). */
export function selectRequest(db: Db, scope: RequestScope) {
  const org = (column: string) => db.raw(`(select o.${column} from organisations o where o.id = r.organisation_id) as organisation_${column}`);
  const type = (column: string, as: string) => db.raw(`(select t.${column} from aid_types t where t.id = r.aid_type_id) as ${as}`);
  return visibleRequests(db, scope).select(
    'r.*',
    org('name'),
    org('status'),
    type('code', 'aid_type_code'),
    type('label', 'aid_type_label'),
    type('group_code', 'aid_type_group'),
    type('payees', 'aid_type_payees'),
    type('validation_threshold_cents', 'validation_threshold_cents'),
    db.raw('(select ag.name from agencies ag where ag.id = r.agency_id) as agency_name'),
    db.raw("(select au.first_name || ' ' || au.last_name from users au where au.id = r.assigned_to) as assigned_to_name"),
    db.raw('(select h.entry_date from households h where h.id = r.household_id) as household_entry_date'),
  );
}

/** A granted aid as `grantedAidsQuery` selects it. */
export interface GrantedAidRow {
  code: string;
  group_code: string | null;
  decided_at: Date | string;
  granted_cents: string | null;
}

/** Granted aids of a household, for the 12-month ceiling and the frequency rules. */
export const toGrantedAid = (r: GrantedAidRow) => ({
  aidTypeCode: r.code,
  groupCode: r.group_code ?? null,
  grantedOn: parisDate(r.decided_at instanceof Date ? r.decided_at : new Date(r.decided_at)),
  amountCents: Number(r.granted_cents ?? 0),
});

export const toOpenOther = (rows: Array<{ reference: string | null }>): string | null => (rows[0] ? (rows[0].reference ?? 'un brouillon') : null);

/** A timeline event as `eventsQuery` selects it (its id is a bigint, so a string). */
export interface EventRow {
  id: string;
  request_id: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_label: string;
  kind: EventKind;
  from_status: string | null;
  to_status: string | null;
  message: string | null;
  visibility: RequestEvent['visibility'];
  actor_org_kind: string | null;
}

/** An attachment of an event (`eventsQuery` gives each event's, as JSON). */
export interface AttachmentRow {
  id: string;
  event_id: string;
  filename: string;
}

export function toEvents(rows: EventRow[], attachments: AttachmentRow[]): RequestEvent[] {
  return rows.map((r) => ({
    id: String(r.id),
    occurredAt: r.occurred_at,
    actorLabel: r.actor_label,
    actorSide: r.actor_org_kind === 'landlord' ? 'landlord' : r.actor_org_kind ? 'association' : 'system',
    kind: r.kind,
    fromStatus: r.from_status ?? null,
    toStatus: r.to_status ?? null,
    message: r.message ?? null,
    visibility: r.visibility,
    attachments: attachments.filter((a) => String(a.event_id) === String(r.id)).map((a) => ({ id: a.id, filename: a.filename })),
  }));
}

/**
 * Requests and their timeline. The payee's IBAN is stored encrypted, with its keyed hash for the
 * same-IBAN lookup; internal events (notes, proposals, assignments) have their text encrypted.
 */
/** A request paid to the same IBAN, as `sameIbanElsewhere` selects it. */
interface SameIbanRow {
  id: string;
  reference: string | null;
  created_at: Date;
  name: string;
}

export class AidRequestRepository {
  constructor(private readonly cipher: FieldCipher) {}

  async findById(db: Db, scope: RequestScope, id: string, forUpdate = false): Promise<AidRequest | null> {
    if (!isUuid(id)) return null;
    const q = selectRequest(db, scope).where('r.id', id);
    if (forUpdate) q.forUpdate('r');
    const row = await q.first<SelectedRequestRow | undefined>();
    return row ? toRequest({ ...row, payee_iban: this.cipher.decryptNullable(row.payee_iban, 'aid_requests.payee_iban') }) : null;
  }

  /** A patch of the requests table as stored: the payee's IBAN encrypted, with its keyed hash. */
  private sealed(patch: Record<string, unknown>): Record<string, unknown> {
    if (!('payee_iban' in patch)) return patch;
    const iban = patch.payee_iban as string | null | undefined;
    if (iban === undefined) return patch;
    return {
      ...patch,
      payee_iban: this.cipher.encryptNullable(iban, 'aid_requests.payee_iban'),
      payee_iban_hash: iban === null ? null : this.cipher.blindIndex(iban),
    };
  }

  async insert(
    db: Db,
    r: {
      organisationId: string;
      agencyId: string | null;
      householdId: string;
      aidTypeId: string;
      situation: SituationSnapshot;
      tenantName: string;
      searchName: string;
      createdBy: string;
      /** the ASD case number, when the request comes from an orientation of Action Logement */
      orientationAsd?: string | null;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await db('aid_requests')
      .insert({
        organisation_id: r.organisationId,
        agency_id: r.agencyId,
        household_id: r.householdId,
        aid_type_id: r.aidTypeId,
        situation: JSON.stringify(r.situation),
        tenant_name: r.tenantName,
        search_name: r.searchName,
        created_by: r.createdBy,
        orientation_asd: r.orientationAsd ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  /** Saves fields of a draft when its version still matches; false when someone saved in between. */
  async saveDraft(db: Db, id: string, version: number, patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('aid_requests')
      .where({ id, version, status: 'draft' })
      .update({ ...this.sealed(patch), version: version + 1, updated_at: now });
    return n === 1;
  }

  /** Moves the request to a status when it is still in the expected status and version. */
  async changeStatus(db: Db, id: string, version: number, from: RequestStatus, to: RequestStatus, patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('aid_requests')
      .where({ id, version, status: from })
      .update({ ...this.sealed(patch), status: to, version: version + 1, updated_at: now });
    return n === 1;
  }

  /** Changes fields without a status change (assignment, pending proposal), still under optimistic locking. */
  async touch(db: Db, id: string, version: number, patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('aid_requests')
      .where({ id, version })
      .update({ ...this.sealed(patch), version: version + 1, updated_at: now });
    return n === 1;
  }

  /** How many files of a request still wait for their type (received several at once, or without one). */
  async unclassifiedUploads(db: Db, requestId: string): Promise<number> {
    const row = await db('request_uploads').where({ request_id: requestId }).count<{ count: string }[]>('* as count').first();
    return Number(row?.count ?? 0);
  }

  /**
   * Requests of other households paid to the same IBAN (a classic fraud path), newest first: by its
   * keyed hash under every known key (a rotation may be under way), and among rows still in
   * plaintext (written before encryption, until rotate-key has run). One indexed query per form,
   * each stopping after `limit` rows (a supplier's IBAN is on thousands of requests: matching them
   * all at once with an OR read and sorted every one of them, 0.6 s for 100,000), merged here.
   */
  async sameIbanElsewhere(db: Db, iban: string, householdId: string, limit = 5): Promise<Array<{ reference: string | null; organisationName: string }>> {
    const newest = (match: (q: Knex.QueryBuilder) => void) => {
      const q = db('aid_requests as r')
        .join('organisations as o', 'o.id', 'r.organisation_id')
        .whereNot('r.household_id', householdId)
        .whereNotIn('r.status', ['draft', 'withdrawn'])
        .orderBy('r.created_at', 'desc')
        .limit(limit)
        .select<SameIbanRow[]>('r.id', 'r.reference', 'r.created_at', 'o.name');
      match(q);
      return q;
    };
    const found: SameIbanRow[] = [];
    for (const hash of this.cipher.blindIndexes(iban)) found.push(...(await newest((q) => q.where('r.payee_iban_hash', hash))));
    found.push(...(await newest((q) => q.where('r.payee_iban', iban).whereRaw("r.payee_iban not like 'enc:%'"))));
    const time = (r: SameIbanRow) => new Date(r.created_at).getTime();
    return found
      .sort((x, y) => time(y) - time(x))
      .filter((r, i, all) => all.findIndex((o) => o.id === r.id) === i)
      .slice(0, limit)
      .map((r) => ({ reference: r.reference ?? null, organisationName: r.name }));
  }

  /** The bank details this landlord gave last time it was the payee, to prefill the next request. */
  async lastLandlordPayee(db: Db, organisationId: string): Promise<{ iban: string; bic: string | null; name: string } | null> {
    const row = await db('aid_requests')
      .where({ organisation_id: organisationId, payee_kind: 'landlord' })
      .whereNotNull('payee_iban')
      .orderBy('updated_at', 'desc')
      .first<(Pick<RequestTableRow, 'payee_bic'> & { payee_iban: string; payee_name: string }) | undefined>('payee_iban', 'payee_bic', 'payee_name');
    return row ? { iban: this.cipher.decrypt(row.payee_iban, 'aid_requests.payee_iban'), bic: row.payee_bic ?? null, name: row.payee_name } : null;
  }

  /** Aids granted to a household (any landlord), for rolling ceilings and frequency limits. */
  grantedAidsQuery(db: Db, householdId: string, exceptId?: string) {
    const q = db('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.household_id', householdId)
      .whereIn('r.status', GRANTED_STATUSES)
      .whereNotNull('r.decided_at')
      .select<GrantedAidRow[]>('t.code', 't.group_code', 'r.decided_at', 'r.granted_cents');
    if (exceptId) q.whereNot('r.id', exceptId);
    return q;
  }

  /**
   * What the checks read of a household's other requests, in one round trip: its granted aids (as
   * grantedAidsOf) and an open request of the same aid type (as openOfSameType).
   */
  async householdHistory(
    db: Db,
    householdId: string,
    aidTypeId: string,
    exceptId: string,
    openStatuses: readonly string[],
  ): Promise<{ previousAids: Array<ReturnType<typeof toGrantedAid>>; openOther: string | null }> {
    const rows = await db('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.household_id', householdId)
      .whereNot('r.id', exceptId)
      .where((w) =>
        w
          .where((g) => g.whereIn('r.status', GRANTED_STATUSES).whereNotNull('r.decided_at'))
          .orWhere((o) => o.where('r.aid_type_id', aidTypeId).whereIn('r.status', openStatuses)),
      )
      .select<Array<GrantedAidRow & { id: string; reference: string | null; status: RequestStatus; aid_type_id: string }>>(
        'r.id',
        'r.reference',
        'r.status',
        'r.aid_type_id',
        't.code',
        't.group_code',
        'r.decided_at',
        'r.granted_cents',
      );
    return {
      previousAids: rows.filter((r) => GRANTED_STATUSES.includes(r.status) && r.decided_at !== null).map(toGrantedAid),
      openOther: toOpenOther(rows.filter((r) => r.aid_type_id === aidTypeId && openStatuses.includes(r.status)).slice(0, 1)),
    };
  }

  async grantedAidsOf(db: Db, householdId: string, exceptId?: string) {
    return (await this.grantedAidsQuery(db, householdId, exceptId)).map(toGrantedAid);
  }

  /**
   * Claims the requests whose information, asked on or before `before`, is still awaited and was
   * never reminded: marks them reminded at `now` and returns their ids (a second run finds nothing).
   */
  async claimInformationReminders(db: Db, before: Date, now: Date): Promise<string[]> {
    const rows = await db('aid_requests')
      .where({ status: 'awaiting_information' })
      .whereNull('information_reminded_at')
      .where('information_requested_at', '<=', before)
      .update({ information_reminded_at: now })
      .returning<Array<{ id: string }>>('id');
    return rows.map((r) => r.id);
  }

  /** What a payment notice shows of each request: the tenant and the aid. */
  async noticeDetails(db: Db, ids: string[]): Promise<Map<string, { tenantName: string; aidLabel: string }>> {
    const out = new Map<string, { tenantName: string; aidLabel: string }>();
    for (let i = 0; i < ids.length; i += 5000) {
      const rows = await db('aid_requests as r')
        .join('aid_types as t', 't.id', 'r.aid_type_id')
        .whereIn('r.id', ids.slice(i, i + 5000))
        .select<Array<{ id: string; tenant_name: string | null; label: string }>>('r.id', 'r.tenant_name', 't.label');
      for (const r of rows) out.set(r.id, { tenantName: r.tenant_name ?? '', aidLabel: r.label });
    }
    return out;
  }

  async addEvent(db: Db, requestId: string, e: NewEvent, now: Date): Promise<string> {
    const [row] = await db('request_events')
      .insert({
        request_id: requestId,
        occurred_at: now,
        actor_user_id: e.actorUserId,
        actor_label: e.actorLabel,
        kind: e.kind,
        from_status: e.fromStatus ?? null,
        to_status: e.toStatus ?? null,
        visibility: e.visibility,
        // what stays inside the association (notes, proposals) is encrypted; messages shared with the landlord are not
        message: e.visibility === 'internal' ? this.cipher.encryptNullable(e.message ?? null, 'request_events.message') : (e.message ?? null),
      })
      .returning<{ id: string }[]>('id');
    return String(row!.id); // an insert returns its row
  }

  async addAttachment(db: Db, a: { requestId: string; eventId: string; blobId: string; filename: string }, now: Date): Promise<void> {
    await db('request_attachments').insert({ request_id: a.requestId, event_id: a.eventId, blob_id: a.blobId, filename: a.filename, created_at: now });
  }

  async attachment(db: Db, requestId: string, attachmentId: string, includeInternal: boolean): Promise<{ blobId: string; filename: string } | null> {
    if (!isUuid(attachmentId)) return null;
    const q = db('request_attachments as a').join('request_events as e', 'e.id', 'a.event_id').where({ 'a.id': attachmentId, 'a.request_id': requestId });
    if (!includeInternal) q.where('e.visibility', 'shared');
    const row = await q.first<{ blob_id: string; filename: string } | undefined>('a.blob_id', 'a.filename');
    return row ? { blobId: row.blob_id, filename: row.filename } : null;
  }

  eventsQuery(db: Db, requestId: string, includeInternal: boolean) {
    const q = db('request_events as e')
      .leftJoin('users as u', 'u.id', 'e.actor_user_id')
      .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
      .where('e.request_id', requestId)
      .orderBy([
        { column: 'e.occurred_at', order: 'desc' },
        { column: 'e.id', order: 'desc' },
      ])
      .select<Array<EventRow & { attachments: Array<Omit<AttachmentRow, 'event_id'>> | null }>>(
        'e.*',
        'o.kind as actor_org_kind',
        db.raw(
          // the files of one message share its instant: by name then (a uuid would order them at random)
          `(select json_agg(json_build_object('id', a.id, 'filename', a.filename) order by a.created_at, a.filename, a.id) from request_attachments a where a.event_id = e.id) as attachments`,
        ),
      );
    if (!includeInternal) q.where('e.visibility', 'shared');
    return q;
  }

  /** The timeline, newest first, each event with its attachments (one round trip). */
  async events(db: Db, requestId: string, includeInternal: boolean): Promise<RequestEvent[]> {
    const rows = await this.eventsQuery(db, requestId, includeInternal);
    const attachments = rows.flatMap((r) => (r.attachments ?? []).map((a) => ({ ...a, event_id: r.id })));
    return toEvents(
      rows.map((r) => (r.visibility === 'internal' ? { ...r, message: this.cipher.decryptNullable(r.message, 'request_events.message') } : r)),
      attachments,
    );
  }
}
