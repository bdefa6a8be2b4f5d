import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { Clock } from '../shared/clock';
import type { FieldCipher } from '../shared/field-cipher';
import { OrganisationRepository } from '../organisations/repository';
import { RightsRepository } from './repository';
import { RightsService } from './service';
import { SubjectExportRepository } from './subject-export-repository';

/** The GDPR requests register and the subject-access export. */
export function createRightsModule(deps: { db: Knex; audit: AuditService; accessLog: AccessLogService; clock: Clock; cipher: FieldCipher }) {
  return {
    rights: new RightsService({
      db: deps.db,
      rights: new RightsRepository(),
      subjects: new SubjectExportRepository(new OrganisationRepository()),
      audit: deps.audit,
      accessLog: deps.accessLog,
      clock: deps.clock,
      cipher: deps.cipher,
    }),
  };
}
