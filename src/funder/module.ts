import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { FunderTransportConfig } from '../config';
import type { BlobStore } from '../files/storage';
import type { DuplicateService } from '../households/duplicates/service';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import { FunderFileRepository } from './files-repository';
import { type DossierOpeners, type IdentityMatcher, OrientationFollowUp } from './orientations/follow-up';
import { OrientationIntake } from './orientations/intake';
import { OrientationQueue } from './orientations/queue';
import { OrientationRepository } from './orientations/repository';
import { OutboundSender } from './outbound/sender';
import { createFunderTransport } from './transport';

/**
 * The exchanges with Action Logement (docs/echanges): the transport the configuration names,
 * the intake of the ASD orientations and their queue, the sender of the outbound files. A transport is opened per run and closed after it.
 */
export function createFunderModule(deps: {
  db: Knex;
  clock: Clock;
  audit: AuditService;
  accessLog: AccessLogService;
  duplicates: DuplicateService & IdentityMatcher;
  openers: DossierOpeners;
  blobs: BlobStore;
  logger: Logger;
  transport: FunderTransportConfig;
}) {
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
  const funderOutbound = new OutboundSender({
    db: deps.db,
    transport: () => createFunderTransport(deps.transport),
    files,
    blobs: deps.blobs,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
  });
  const orientationQueue = new OrientationQueue({
    db: deps.db,
    orientations,
    duplicates: deps.duplicates,
    audit: deps.audit,
    accessLog: deps.accessLog,
    clock: deps.clock,
  });
  const orientationFollowUp = new OrientationFollowUp({
    db: deps.db,
    orientations,
    openers: deps.openers,
    matcher: deps.duplicates,
    audit: deps.audit,
    accessLog: deps.accessLog,
    clock: deps.clock,
  });
  return { orientationIntake, orientationQueue, orientationFollowUp, funderOutbound };
}
