import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import { AccessWatchRepository } from './repository';
import { AccessWatchService } from './service';

/** The watch over the read traces: purge past retention, alerts on unusual reading. */
export function createAccessWatchModule(deps: {
  db: Knex;
  organisationRepository: OrganisationRepository;
  accounts: UserRepository;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
}) {
  return {
    accessWatch: new AccessWatchService({
      db: deps.db,
      traces: new AccessWatchRepository(),
      organisations: deps.organisationRepository,
      users: deps.accounts,
      mailer: deps.mailer,
      logger: deps.logger,
      baseUrl: deps.baseUrl,
    }),
  };
}
