import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { MailRepository } from '../notifications/repository';
import type { OrganisationRepository } from '../organisations/repository';
import type { Clock } from '../shared/clock';
import type { Db } from '../db/types';
import { jobFailureNotice } from './failure-notice';
import { funderOverdueNotice } from './funder-overdue-notice';
import { JobRunRepository } from './repository';
import { JobRunner } from './runner';

/** The job runner: each run recorded once per period; a failed run is mailed to the association's administrators (once a day per job at most). */
export function createJobsModule(deps: {
  db: Knex;
  accounts: UserRepository;
  organisationRepository: OrganisationRepository;
  mailer: Mailer;
  mails: MailRepository;
  blobs: BlobStore;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  baseUrl: string;
  /** the funder's files left without acknowledgement (flagged once each) */
  claimUnacknowledgedFunderFiles: (trx: Db, sentBefore: Date, now: Date) => Promise<string[]>;
}) {
  const { db, mailer, blobs, audit, clock, logger } = deps;
  const onFailure = [jobFailureNotice(db, mailer, deps.mails, deps.organisationRepository, deps.accounts, deps.baseUrl)];
  return {
    jobs: new JobRunner({ db, runs: new JobRunRepository(), clock, logger, blobs, audit, onFailure }),
    funderOverdueNotice: funderOverdueNotice({
      knex: db,
      mailer,
      organisations: deps.organisationRepository,
      users: deps.accounts,
      baseUrl: deps.baseUrl,
      claimUnacknowledged: deps.claimUnacknowledgedFunderFiles,
    }),
  };
}
