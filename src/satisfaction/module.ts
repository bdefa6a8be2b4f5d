import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { Mailer } from '../notifications/mailer';
import type { Clock } from '../shared/clock';
import { SatisfactionRepository } from './repository';
import { SatisfactionService } from './service';

/** Satisfaction questionnaires: invitations after a completed mission or an appointment held, anonymous answers, live results. */
export function createSatisfactionModule(deps: {
  db: Knex;
  clock: Clock;
  mailer: Mailer;
  audit: AuditService;
  baseUrl: string;
  /** the association's name, as its letters sign */
  associationName: (db: Db) => Promise<string>;
}) {
  return { satisfaction: new SatisfactionService({ ...deps, repository: new SatisfactionRepository() }) };
}
