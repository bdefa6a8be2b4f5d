import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AuditService } from '../audit/service';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { Clock } from '../shared/clock';
import { SecondFactorService } from './second-factor';
import { AuthService } from './service';
import { PasswordTokenRepository } from './tokens';

/** Logging in: passwords, password links, the second factor. */
export function createAuthModule(deps: {
  db: Knex;
  accounts: UserRepository;
  audit: AuditService;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'baseUrl' | 'secondFactorRoles' | 'session'>;
}) {
  const { db, accounts, audit, mailer, clock, logger, config } = deps;
  const tokens = new PasswordTokenRepository();
  const auth = new AuthService({
    db,
    users: accounts,
    tokens,
    audit,
    mailer,
    clock,
    logger,
    baseUrl: config.baseUrl,
    secondFactorRoles: config.secondFactorRoles,
  });
  // the mailed enrolment codes are hashed with a key derived from the session secret
  const secondFactor = new SecondFactorService({
    db,
    users: accounts,
    auth,
    audit,
    clock,
    logger,
    roles: config.secondFactorRoles,
    mailer,
    codeKey: `enrolment-codes:${config.session.secret}`,
  });
  return { auth, secondFactor, tokens };
}
