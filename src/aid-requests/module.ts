import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AidTypeRepository } from '../aid-types/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { HouseholdRepository } from '../households/repository';
import type { PersonRepository } from '../households/persons-repository';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import type { createPaymentsModule } from '../payments/module';
import type { AssignedCheck } from '../permissions/assigned';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import type { FieldCipher } from '../shared/field-cipher';
import type { ReferenceCache } from '../shared/reference-cache';
import { DecisionService } from './instruction/decisions';
import type { BudgetPort } from './instruction/budget-port';
import { DecisionRepository } from './instruction/decisions-repository';
import { RequestDocumentService } from './filing/documents';
import { RequestDocumentRepository } from './filing/documents-repository';
import { InstructionService } from './instruction/service';
import { RequestListRepository } from './lists/repository';
import { RequestListService } from './lists/service';
import { RequestPaymentProgress } from './payment-progress';
import { AidRequestRepository } from './repository';
import { ListSubscriptions } from './lists/subscriptions';
import { SavedFilterRepository } from './lists/saved-filters-repository';
import { AidRequestService } from './service';
import { RequestDossierExport } from './dossier-export';

/**
 * Aid requests from filing to decision: the wizard, documents, lists and queues, instruction and
 * the two-level decisions. A grant's instalments are scheduled through the payments area
 * (`owed.grantScheduler`) and announced as `aid.granted`; `paymentProgress` is what the transfers
 * call to move a request as it is paid.
 */
export function createAidRequestsModule(deps: {
  db: Knex;
  cipher: FieldCipher;
  households: HouseholdRepository;
  persons: PersonRepository;
  aidTypes: AidTypeRepository;
  organisations: OrganisationRepository;
  accounts: UserRepository;
  owed: ReturnType<typeof createPaymentsModule>;
  blobs: BlobStore;
  mailer: Mailer;
  settings: SettingsService;
  audit: AuditService;
  accessLog: AccessLogService;
  clock: Clock;
  cache: ReferenceCache;
  events: DomainEvents;
  /** the budget envelopes a grant commits on (the funds area provides it) */
  budget: BudgetPort;
  assignedCheck: AssignedCheck;
  baseUrl: string;
}) {
  const { db, cipher, blobs, mailer, settings, audit, accessLog, clock, cache, baseUrl } = deps;
  const requests = new AidRequestRepository(cipher);
  const documents = new RequestDocumentRepository();
  const decisionRepository = new DecisionRepository(cipher);
  const aidRequests = new AidRequestService({
    db,
    requests,
    households: deps.households,
    persons: deps.persons,
    aidTypes: deps.aidTypes,
    documents,
    decisions: decisionRepository,
    audit,
    accessLog,
    clock,
    cache,
    payments: deps.owed.payments,
    payees: deps.owed.payeeRepository,
    assignedCheck: deps.assignedCheck,
    events: deps.events,
  });
  const requestLists = new RequestListService({
    db,
    lists: new RequestListRepository(),
    savedFilters: new SavedFilterRepository(),
    aidRequests,
    clock,
    cache,
    accessLog,
  });
  return {
    aidRequests,
    requestDossiers: new RequestDossierExport({
      db,
      aidRequests,
      requests,
      decisions: decisionRepository,
      payments: deps.owed.payments,
      documents,
      blobs,
      accessLog,
      clock,
    }),
    requestDocuments: new RequestDocumentService({ db, requests: aidRequests, documents, blobs, audit, clock, accessLog }),
    requestLists,
    listSubscriptions: new ListSubscriptions({ db, clock, lists: requestLists, users: deps.accounts, mailer, blobs, audit, baseUrl }),
    decisions: new DecisionService({
      db,
      requests,
      decisions: decisionRepository,
      aidRequests,
      households: deps.households,
      organisations: deps.organisations,
      users: deps.accounts,
      blobs,
      mailer,
      settings,
      audit,
      clock,
      baseUrl,
      instalments: deps.owed.grantScheduler,
      events: deps.events,
      accessLog,
      budget: deps.budget,
    }),
    instruction: new InstructionService({
      db,
      requests,
      decisions: decisionRepository,
      aidRequests,
      users: deps.accounts,
      blobs,
      mailer,
      settings,
      audit,
      clock,
      baseUrl,
      cache,
      accessLog,
    }),
    paymentProgress: new RequestPaymentProgress({ requests, aidRequests }),
    /** read by the missions (a mission may be about a request) */
    requestRepository: requests,
  };
}
