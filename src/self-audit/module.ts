import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { Clock } from '../shared/clock';
import { type DeactivateUser, type SelfAuditSources, SelfAuditService } from './service';

/** The weekly self-audit: checks, archive, mail; its page deactivates the inactive accounts through the users area. */
export function createSelfAuditModule(deps: {
  db: Knex;
  clock: Clock;
  config: Config;
  audit: AuditService;
  mailer: Mailer;
  logger: Logger;
  sources: SelfAuditSources;
  deactivateUser: DeactivateUser;
}) {
  return { selfAudit: new SelfAuditService(deps) };
}
