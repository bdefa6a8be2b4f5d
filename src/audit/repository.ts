import type { Db } from '../db/types';

export interface AuditEventInput {
  actorUserId: string | null;
  actorLabel: string;
  organisationId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
  requestId: string | null;
  occurredAt: Date;
}

export interface AuditEvent extends AuditEventInput {
  id: string;
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_label: string;
  organisation_id: string | null;
  entity_type: string;
  entity_id: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  ip: string | null;
  request_id: string | null;
}

const toEvent = (r: AuditRow): AuditEvent => ({
  id: r.id,
  occurredAt: r.occurred_at,
  actorUserId: r.actor_user_id,
  actorLabel: r.actor_label,
  organisationId: r.organisation_id,
  entityType: r.entity_type,
  entityId: r.entity_id,
  action: r.action,
  before: r.before,
  after: r.after,
  ip: r.ip,
  requestId: r.request_id,
});

export class AuditRepository {
  async insert(db: Db, e: AuditEventInput): Promise<void> {
    await db('audit_events').insert({
      occurred_at: e.occurredAt,
      actor_user_id: e.actorUserId,
      actor_label: e.actorLabel,
      organisation_id: e.organisationId,
      entity_type: e.entityType,
      entity_id: e.entityId,
      action: e.action,
      before: e.before === null ? null : JSON.stringify(e.before),
      after: e.after === null ? null : JSON.stringify(e.after),
      ip: e.ip,
      request_id: e.requestId,
    });
  }

  /** The history of one entity, newest first (the caller has already checked the entity is in scope). */
  async listForEntity(db: Db, entityType: string, entityId: string, limit = 200): Promise<AuditEvent[]> {
    const rows = await db<AuditRow>('audit_events')
      .where({ entity_type: entityType, entity_id: entityId })
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(toEvent);
  }

  /**
   * The history of several entities together (a household and its people), newest first. An
   * entity given with `organisationId` keeps only the lines of that organisation or of none (the
   * association's): a person known at two landlords shows each only its own lines.
   */
  async listForEntities(db: Db, entities: Array<{ type: string; ids: string[]; organisationId?: string }>, limit = 500): Promise<AuditEvent[]> {
    const wanted = entities.filter((e) => e.ids.length > 0);
    if (wanted.length === 0) return [];
    const rows = await db<AuditRow>('audit_events')
      .where((w) => {
        for (const e of wanted) {
          w.orWhere((x) => {
            x.where('entity_type', e.type).whereIn('entity_id', e.ids);
            if (e.organisationId) x.where((o) => o.whereNull('organisation_id').orWhere('organisation_id', e.organisationId as string));
          });
        }
      })
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(toEvent);
  }

  async lastForEntity(db: Db, entityType: string, entityId: string): Promise<AuditEvent | null> {
    const [event] = await this.listForEntity(db, entityType, entityId, 1);
    return event ?? null;
  }
}
