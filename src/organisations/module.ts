import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Clock } from '../shared/clock';
import type { ReferenceCache } from '../shared/reference-cache';
import { OrganisationRepository } from './repository';
import { OrganisationService } from './service';

/** Members (the association, landlords) and their agencies. */
export function createOrganisationsModule(deps: { db: Knex; audit: AuditService; clock: Clock; cache?: ReferenceCache }) {
  const organisationRepository = new OrganisationRepository();
  return {
    organisations: new OrganisationService({ db: deps.db, repository: organisationRepository, audit: deps.audit, clock: deps.clock, cache: deps.cache }),
    organisationRepository,
  };
}
