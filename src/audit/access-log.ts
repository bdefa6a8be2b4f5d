import type { Knex } from 'knex';
import type { Db } from '../db/types';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import type { AccessLogRepository } from './access-repository';

/** What was read: the action (`request.view.demande`, `mission.report`…), the record's kind and id (an export: `export` and its file name). */
export interface ReadTrace {
  action: string;
  entityType: string;
  entityId: string;
}

/**
 * The read traces on personal data (CNIL, ASVS 8.3.5): who read which record, when, from which
 * request — never what it held. The services' read methods call it, so a route cannot forget it;
 * `test/audit/personal-reads.test.ts` checks every route that shows personal data leaves one.
 */
export class AccessLogService {
  private readonly db: Knex;
  private readonly repository: AccessLogRepository;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: AccessLogRepository; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.clock = deps.clock;
  }

  async read(actor: Actor, trace: ReadTrace, db: Db = this.db): Promise<void> {
    await this.repository.record(db, {
      userId: actor.userId,
      organisationId: actor.organisationId,
      action: trace.action,
      entityType: trace.entityType,
      entityId: trace.entityId,
      requestId: actor.requestId ?? null,
      occurredAt: this.clock.now(),
    });
  }
}
