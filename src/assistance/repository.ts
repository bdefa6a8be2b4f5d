import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import { isUuid } from '../db/types';
import type { AssistanceCategory, AssistancePriority, AssistanceStatus } from './labels';

export interface AssistanceRequest {
  id: string;
  number: number;
  requesterId: string;
  requesterName: string;
  requesterEmail: string;
  requesterFirstName: string;
  requesterActive: boolean;
  organisationId: string;
  organisationName: string;
  category: AssistanceCategory;
  subject: string;
  fromPath: string | null;
  priority: AssistancePriority;
  dueAt: Date;
  assigneeId: string | null;
  assigneeName: string | null;
  status: AssistanceStatus;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  version: number;
}

export interface AssistanceEvent {
  id: string;
  kind: 'message' | 'note' | 'change';
  visibility: 'shared' | 'internal';
  authorLabel: string;
  fromAssociation: boolean;
  message: string;
  createdAt: Date;
}

export interface AssistanceAttachment {
  id: string;
  eventId: string;
  blobId: string;
  filename: string;
  size: number;
}

interface RequestRow {
  id: string;
  number: string | number;
  requester_id: string;
  requester_first_name: string;
  requester_last_name: string;
  requester_email: string;
  requester_status: string;
  organisation_id: string;
  organisation_name: string;
  category: AssistanceCategory;
  subject: string;
  from_path: string | null;
  priority: AssistancePriority;
  due_at: Date;
  assignee_id: string | null;
  assignee_name: string | null;
  status: AssistanceStatus;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  version: number;
}

const toRequest = (r: RequestRow): AssistanceRequest => ({
  id: r.id,
  number: Number(r.number),
  requesterId: r.requester_id,
  requesterName: `${r.requester_first_name} ${r.requester_last_name}`,
  requesterFirstName: r.requester_first_name,
  requesterEmail: r.requester_email,
  requesterActive: r.requester_status === 'active',
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  category: r.category,
  subject: r.subject,
  fromPath: r.from_path,
  priority: r.priority,
  dueAt: new Date(r.due_at),
  assigneeId: r.assignee_id,
  assigneeName: r.assignee_name,
  status: r.status,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  closedAt: r.closed_at ? new Date(r.closed_at) : null,
  version: Number(r.version),
});

const selectRequests = (db: Db) =>
  db('assistance_requests as a')
    .join('users as u', 'u.id', 'a.requester_id')
    .join('organisations as o', 'o.id', 'a.organisation_id')
    .leftJoin('users as s', 's.id', 'a.assignee_id')
    .select<RequestRow[]>(
      'a.*',
      'u.first_name as requester_first_name',
      'u.last_name as requester_last_name',
      'u.email as requester_email',
      'u.status as requester_status',
      'o.name as organisation_name',
      db.raw("s.first_name || ' ' || s.last_name as assignee_name"),
    );

export interface RequestFilter {
  requesterId?: string;
  statuses?: readonly AssistanceStatus[];
}

/** The requests of the assistance desk, their thread and attachments. A thread's messages are stored encrypted (they may describe a person's data). */
export class AssistanceRepository {
  constructor(private readonly cipher: FieldCipher) {}

  async insert(
    db: Db,
    r: {
      requesterId: string;
      organisationId: string;
      category: AssistanceCategory;
      subject: string;
      fromPath: string | null;
      priority: AssistancePriority;
      dueAt: Date;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await db('assistance_requests')
      .insert({
        requester_id: r.requesterId,
        organisation_id: r.organisationId,
        category: r.category,
        subject: r.subject,
        from_path: r.fromPath,
        priority: r.priority,
        due_at: r.dueAt,
        status: 'new',
        created_at: now,
        updated_at: now,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async findById(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<AssistanceRequest | null> {
    if (!isUuid(id)) return null;
    if (options.forUpdate) await db('assistance_requests').where({ id }).forUpdate().first('id');
    const row = await selectRequests(db).where('a.id', id).first<RequestRow | undefined>();
    return row ? toRequest(row) : null;
  }

  /** Newest activity first; a requester's own, or everyone's for the association (500 at most). */
  async list(db: Db, filter: RequestFilter): Promise<AssistanceRequest[]> {
    const q = selectRequests(db);
    if (filter.requesterId) q.where('a.requester_id', filter.requesterId);
    if (filter.statuses) q.whereIn('a.status', filter.statuses as AssistanceStatus[]);
    const rows = await q
      .orderBy([
        { column: 'a.updated_at', order: 'desc' },
        { column: 'a.number', order: 'desc' },
      ])
      .limit(500);
    return rows.map(toRequest);
  }

  async update(
    db: Db,
    id: string,
    version: number | null,
    patch: Partial<{ priority: AssistancePriority; dueAt: Date; assigneeId: string | null; status: AssistanceStatus; closedAt: Date | null }>,
    now: Date,
  ): Promise<boolean> {
    const row: Record<string, unknown> = { updated_at: now, version: db.raw('version + 1') };
    if (patch.priority !== undefined) row.priority = patch.priority;
    if (patch.dueAt !== undefined) row.due_at = patch.dueAt;
    if (patch.assigneeId !== undefined) row.assignee_id = patch.assigneeId;
    if (patch.status !== undefined) row.status = patch.status;
    if (patch.closedAt !== undefined) row.closed_at = patch.closedAt;
    const q = db('assistance_requests').where({ id });
    if (version !== null) q.andWhere({ version });
    const updated = await q.update(row).returning<Array<{ id: string }>>('id');
    return updated.length === 1;
  }

  async addEvent(
    db: Db,
    e: {
      requestId: string;
      kind: AssistanceEvent['kind'];
      visibility: AssistanceEvent['visibility'];
      authorId: string | null;
      authorLabel: string;
      fromAssociation: boolean;
      message: string;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await db('assistance_events')
      .insert({
        request_id: e.requestId,
        kind: e.kind,
        visibility: e.visibility,
        author_id: e.authorId,
        author_label: e.authorLabel,
        from_association: e.fromAssociation,
        message: this.cipher.encrypt(e.message, 'assistance_events.message'),
        created_at: now,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async events(db: Db, requestId: string, withInternal: boolean): Promise<AssistanceEvent[]> {
    const q = db('assistance_events').where({ request_id: requestId });
    if (!withInternal) q.andWhere({ visibility: 'shared' });
    const rows = await q.orderBy([{ column: 'created_at' }, { column: 'id' }]).select<Array<Record<string, unknown>>>('*');
    return rows.map((r) => ({
      id: r.id as string,
      kind: r.kind as AssistanceEvent['kind'],
      visibility: r.visibility as AssistanceEvent['visibility'],
      authorLabel: r.author_label as string,
      fromAssociation: Boolean(r.from_association),
      message: this.cipher.decrypt(r.message as string, 'assistance_events.message'),
      createdAt: new Date(r.created_at as Date),
    }));
  }

  async addAttachment(db: Db, a: { requestId: string; eventId: string; blobId: string; filename: string }, now: Date): Promise<void> {
    await db('assistance_attachments').insert({ request_id: a.requestId, event_id: a.eventId, blob_id: a.blobId, filename: a.filename, created_at: now });
  }

  /** The attachments of a request's thread (those of internal events only for the association). */
  async attachments(db: Db, requestId: string, withInternal: boolean): Promise<AssistanceAttachment[]> {
    const q = db('assistance_attachments as f')
      .join('assistance_events as e', 'e.id', 'f.event_id')
      .join('blobs as b', 'b.id', 'f.blob_id')
      .where('f.request_id', requestId);
    if (!withInternal) q.andWhere('e.visibility', 'shared');
    const rows = await q.orderBy('f.created_at').select<Array<Record<string, unknown>>>('f.id', 'f.event_id', 'f.blob_id', 'f.filename', 'b.size');
    return rows.map((r) => ({
      id: r.id as string,
      eventId: r.event_id as string,
      blobId: r.blob_id as string,
      filename: r.filename as string,
      size: Number(r.size),
    }));
  }

  /** For the association's home: new requests, those past their due time on the association's side, the oldest open one. */
  async summary(db: Db, now: Date, open: readonly AssistanceStatus[], associationTurn: readonly AssistanceStatus[]) {
    const row: { new_count: string; overdue_count: string; open_count: string; oldest: Date | null } | undefined = await db('assistance_requests')
      .whereIn('status', open as AssistanceStatus[])
      .first(
        db.raw("count(*) filter (where status = 'new') as new_count"),
        db.raw('count(*) filter (where status = any(?) and due_at < ?) as overdue_count', [associationTurn as AssistanceStatus[], now]),
        db.raw('count(*) as open_count'),
        db.raw('min(created_at) as oldest'),
      );
    return {
      newCount: Number(row?.new_count ?? 0),
      overdueCount: Number(row?.overdue_count ?? 0),
      openCount: Number(row?.open_count ?? 0),
      oldestOpenAt: row?.oldest ? new Date(row.oldest) : null,
    };
  }
}
