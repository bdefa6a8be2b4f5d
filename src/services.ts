import type { Knex } from 'knex';
import { AuditRepository } from './audit/repository';
import { AuditService } from './audit/service';
import { AuthService } from './auth/service';
import { PasswordTokenRepository } from './auth/tokens';
import type { Config } from './config';
import type { Database } from './db/database';
import { HealthService } from './health/service';
import type { Logger } from './logger';
import { Mailer } from './notifications/mailer';
import { MailRepository } from './notifications/repository';
import { OrganisationRepository } from './organisations/repository';
import { OrganisationService } from './organisations/service';
import type { Clock } from './shared/clock';
import { UserRepository } from './users/repository';
import { UserService } from './users/service';

export interface Services {
  readonly config: Config;
  readonly db: Database;
  readonly knex: Knex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditService;
  readonly auth: AuthService;
  readonly mailer: Mailer;
  readonly organisations: OrganisationService;
  readonly users: UserService;
  readonly health: HealthService;
}

/** Builds every repository and service once; handlers receive them, never import singletons. */
export function createServices(db: Database, config: Config, clock: Clock, logger: Logger): Services {
  const knex = db.knex;
  const auditRepository = new AuditRepository();
  const organisationRepository = new OrganisationRepository();
  const userRepository = new UserRepository();
  const tokenRepository = new PasswordTokenRepository();

  const audit = new AuditService(auditRepository, clock);
  const mailer = new Mailer(knex, new MailRepository(), clock, logger, config);
  const auth = new AuthService(knex, userRepository, tokenRepository, audit, mailer, clock, logger, config.baseUrl);
  const organisations = new OrganisationService(knex, organisationRepository, audit, clock);
  const users = new UserService(knex, userRepository, organisationRepository, tokenRepository, audit, mailer, clock, (t) =>
    auth.setPasswordLink(t),
  );
  const health = new HealthService(knex);
  return { config, db, knex, clock, logger, audit, auth, mailer, organisations, users, health };
}
