import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AuditService } from '../audit/service';
import type { AuthService } from '../auth/service';
import type { PasswordTokenRepository } from '../auth/tokens';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import type { Clock } from '../shared/clock';
import { UserService } from './service';

/** The administration of accounts: invitations, roles, deactivation. */
export function createUsersModule(deps: {
  db: Knex;
  accounts: UserRepository;
  organisationRepository: OrganisationRepository;
  tokens: PasswordTokenRepository;
  auth: AuthService;
  audit: AuditService;
  mailer: Mailer;
  clock: Clock;
}) {
  const { db, accounts, organisationRepository, tokens, auth, audit, mailer, clock } = deps;
  return {
    users: new UserService({
      db,
      users: accounts,
      organisations: organisationRepository,
      tokens,
      audit,
      mailer,
      clock,
      setPasswordLink: (t) => auth.setPasswordLink(t),
    }),
  };
}
