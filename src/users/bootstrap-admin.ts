import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { hashPassword, passwordProblem } from '../auth/passwords';
import type { OrganisationRepository } from '../organisations/repository';
import type { Clock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import type { UserRepository } from '../accounts/repository';

export interface BootstrapAdminInput {
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  organisationName: string;
}

const CLI_ACTOR = { userId: null, name: 'Ligne de commande' } as const;

/**
 * Creates an association administrator from the command line (first install, or recovery): the
 * association organisation is created when none exists yet. Audited as "Ligne de commande".
 */
export async function bootstrapAdmin(
  knex: Knex,
  deps: { users: UserRepository; organisations: OrganisationRepository; audit: AuditService; clock: Clock },
  input: BootstrapAdminInput,
): Promise<{ userId: string; organisationId: string; createdOrganisation: boolean }> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ValidationError({ email: 'Adresse e-mail invalide' });
  const problem = passwordProblem(input.password, email);
  if (problem) throw new ValidationError({ password: problem });
  const hash = await hashPassword(input.password);
  return knex.transaction(async (trx) => {
    if (await deps.users.emailTaken(trx, email)) throw new ValidationError({ email: 'Un compte existe déjà avec cette adresse e-mail' });
    const now = deps.clock.now();
    let organisation = await deps.organisations.firstAssociation(trx);
    const createdOrganisation = !organisation;
    if (!organisation) {
      organisation = await deps.organisations.insert(
        trx,
        {
          kind: 'association',
          name: input.organisationName,
          siren: null,
          addressLine1: null,
          addressLine2: null,
          postcode: null,
          city: null,
          email: null,
          phone: null,
          memberSince: null,
          status: 'active',
        },
        now,
      );
      await deps.audit.record(trx, CLI_ACTOR, {
        entityType: 'organisation',
        entityId: organisation.id,
        organisationId: organisation.id,
        action: 'organisation.created',
        before: null,
        after: { kind: 'association', name: organisation.name },
      });
    }
    const userId = await deps.users.insert(
      trx,
      {
        organisationId: organisation.id,
        agencyId: null,
        agencyRestricted: false,
        role: 'admin',
        email,
        firstName: input.firstName,
        lastName: input.lastName,
        phone: null,
        status: 'active',
      },
      now,
    );
    await deps.users.setPassword(trx, userId, hash, now);
    await deps.audit.record(trx, CLI_ACTOR, {
      entityType: 'user',
      entityId: userId,
      organisationId: organisation.id,
      action: 'user.created',
      before: null,
      after: { email, firstName: input.firstName, lastName: input.lastName, role: 'admin', status: 'active' },
    });
    return { userId, organisationId: organisation.id, createdOrganisation };
  });
}
