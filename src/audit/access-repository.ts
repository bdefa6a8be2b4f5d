import type { Db } from '../db/types';

export interface AccessEvent {
  userId: string;
  organisationId: string;
  action: string;
  entityType: string;
  entityId: string;
  requestId: string | null;
  occurredAt: Date;
}

/** Read traces on personal data: who read which record when, never what it held (CNIL, ASVS 8.3.5). */
export class AccessLogRepository {
  async record(db: Db, e: AccessEvent): Promise<void> {
    await db('access_events').insert({
      user_id: e.userId,
      organisation_id: e.organisationId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      request_id: e.requestId,
      occurred_at: e.occurredAt,
    });
  }
}
