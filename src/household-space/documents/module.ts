import type { Knex } from 'knex';
import type { UserRepository } from '../../accounts/repository';
import type { AidRequestRepository } from '../../aid-requests/repository';
import type { InstructionService } from '../../aid-requests/instruction/service';
import type { AuditService } from '../../audit/service';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { HouseholdDocumentRepository } from './repository';
import { HouseholdDocumentService, type HouseholdSpacePort } from './service';

/**
 * Papers asked of the household and sent from its space (issue 17): the service, plugged into the
 * instruction's information request so that « Demander aussi au ménage » is kept in its transaction.
 */
export function createHouseholdDocumentsModule(deps: {
  db: Knex;
  clock: Clock;
  requests: AidRequestRepository;
  instruction: InstructionService;
  users: UserRepository;
  blobs: BlobStore;
  mailer: Mailer;
  settings: SettingsService;
  audit: AuditService;
  baseUrl: string;
  space: HouseholdSpacePort;
}): { householdDocuments: HouseholdDocumentService } {
  const householdDocuments = new HouseholdDocumentService({ ...deps, repository: new HouseholdDocumentRepository() });
  deps.instruction.useHouseholdDocuments(householdDocuments);
  return { householdDocuments };
}
