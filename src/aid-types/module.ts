import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Clock } from '../shared/clock';
import { AidTypeRepository } from './repository';
import { AidTypeService } from './service';

/** The aid types and their versioned rules (eligibility, amounts, documents), edited without code changes. */
export function createAidTypesModule(deps: { db: Knex; audit: AuditService; clock: Clock }) {
  const aidTypeRepository = new AidTypeRepository();
  return { aidTypes: new AidTypeService({ db: deps.db, repository: aidTypeRepository, audit: deps.audit, clock: deps.clock }), aidTypeRepository };
}
