import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { AidRequestService } from '../aid-requests/service';
import type { Config } from '../config';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import { SignatureRepository } from './repository';
import { ConsentSignatureService, type HouseholdPorts } from './service';

/** The household's electronic consent (issue 17): see ConsentSignatureService. */
export function createESignatureModule(deps: {
  db: Knex;
  clock: Clock;
  logger: Logger;
  blobs: BlobStore;
  mailer: Mailer;
  audit: AuditService;
  accessLog: AccessLogService;
  settings: SettingsService;
  aidRequests: AidRequestService;
  config: Pick<Config, 'baseUrl' | 'linkSigningSecret' | 'eSignature'>;
  ports: () => HouseholdPorts;
}) {
  return { consentSignatures: new ConsentSignatureService({ ...deps, repository: new SignatureRepository() }) };
}
