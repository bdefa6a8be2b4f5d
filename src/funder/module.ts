import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { FunderTransportConfig } from '../config';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import { FunderFileRepository } from './files-repository';
import { OrientationIntake } from './orientations/intake';
import { OrientationRepository } from './orientations/repository';
import { createFunderTransport } from './transport';

/**
 * The exchanges with Action Logement (docs/echanges): the transport the configuration names,
 * and the intake of the ASD orientations. A transport is opened per run and closed after it.
 */
export function createFunderModule(deps: { db: Knex; clock: Clock; audit: AuditService; blobs: BlobStore; logger: Logger; transport: FunderTransportConfig }) {
  const files = new FunderFileRepository();
  const orientations = new OrientationRepository();
  const orientationIntake = new OrientationIntake({
    db: deps.db,
    transport: () => createFunderTransport(deps.transport),
    files,
    orientations,
    blobs: deps.blobs,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
  });
  return { orientationIntake };
}
