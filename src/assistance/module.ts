import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import type { Clock } from '../shared/clock';
import type { FieldCipher } from '../shared/field-cipher';
import { BreachRepository } from './breach-repository';
import { BreachService } from './breaches';
import { AssistanceRepository } from './repository';
import { AssistanceService } from './service';

/** The assistance desk (every user → the association) and the register of personal-data breaches. */
export function createAssistanceModule(deps: {
  db: Knex;
  clock: Clock;
  cipher: FieldCipher;
  accounts: UserRepository;
  organisationRepository: OrganisationRepository;
  blobs: BlobStore;
  mailer: Mailer;
  audit: AuditService;
  accessLog: AccessLogService;
  baseUrl: string;
}) {
  const requests = new AssistanceRepository(deps.cipher);
  return {
    assistance: new AssistanceService({
      db: deps.db,
      requests,
      users: deps.accounts,
      organisations: deps.organisationRepository,
      blobs: deps.blobs,
      mailer: deps.mailer,
      audit: deps.audit,
      accessLog: deps.accessLog,
      clock: deps.clock,
      baseUrl: deps.baseUrl,
    }),
    breaches: new BreachService({ db: deps.db, breaches: new BreachRepository(), requests, audit: deps.audit, accessLog: deps.accessLog, clock: deps.clock }),
  };
}
