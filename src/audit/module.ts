import type { Clock } from '../shared/clock';
import type { ReferenceCache } from '../shared/reference-cache';
import { AccessLogRepository } from './access-repository';
import { AuditRepository } from './repository';
import { AuditService } from './service';

/** The audit trail and the read traces: every area records through them. */
export function createAuditModule(deps: { clock: Clock; cache: ReferenceCache }) {
  // a recorded change also empties the cached reference lists that depend on its entity type
  const audit = new AuditService({ repository: new AuditRepository(), clock: deps.clock, onChange: (entityType) => deps.cache.changed(entityType) });
  return { audit, accessLog: new AccessLogRepository() };
}
