import type { Knex } from 'knex';
import type { Clock } from '../shared/clock';
import type { ReferenceCache } from '../shared/reference-cache';
import { AccessLogService } from './access-log';
import { AccessLogRepository } from './access-repository';
import { AuditRepository } from './repository';
import { AuditService } from './service';

/** The audit trail and the read traces: every area records through them. */
export function createAuditModule(deps: { db: Knex; clock: Clock; cache: ReferenceCache }) {
  // a recorded change also empties the cached reference lists that depend on its entity type
  const audit = new AuditService({ repository: new AuditRepository(), clock: deps.clock, onChange: (entityType) => deps.cache.changed(entityType) });
  const accessLogRepository = new AccessLogRepository();
  return { audit, accessLog: new AccessLogService({ db: deps.db, repository: accessLogRepository, clock: deps.clock }), accessLogRepository };
}
