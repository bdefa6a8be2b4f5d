import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import type { FieldCipher } from '../shared/field-cipher';
import { HouseholdAccessService } from './access';
import { HouseholdDossierRepository } from './dossier-repository';
import { HouseholdDossierService, type RightsRegisterPort } from './dossier';
import { HouseholdAccessRepository } from './repository';

/**
 * The household's own space: its door (links, codes, sessions, read traces) and its dossier. A
 * request filed for the household, or a mission proposed to it, sends its members their link.
 */
export function createHouseholdSpaceModule(deps: {
  db: Knex;
  clock: Clock;
  mailer: Mailer;
  audit: AuditService;
  blobs: BlobStore;
  logger: Logger;
  events: DomainEvents;
  baseUrl: string;
  secret: string;
  rightsRegister: RightsRegisterPort;
  cipher: FieldCipher;
}) {
  const accessRepository = new HouseholdAccessRepository();
  const access = new HouseholdAccessService({ ...deps, repository: accessRepository });
  const dossierRepository = new HouseholdDossierRepository(deps.cipher);
  const dossier = new HouseholdDossierService({ ...deps, repository: dossierRepository, access });
  // the links leave with the business change's transaction (mail outbox); the mail-retry job delivers what is still pending
  deps.events.on('request.moved', async (trx, event) => {
    if (event.to !== 'submitted' || event.from !== 'draft') return;
    const householdId = await accessRepository.householdOfRequest(trx, event.requestId);
    if (!householdId) return;
    const mails = await access.issueForHousehold(householdId, 'request', trx);
    return () => access.deliver(mails);
  });
  deps.events.on('mission.ordered', async (trx, event) => {
    const mails = await access.issueForHousehold(event.householdId, 'mission', trx);
    return () => access.deliver(mails);
  });
  return { householdSpace: { access, dossier, trace: access.trace.bind(access), links: { issueFor: access.issueFor.bind(access) } } };
}
