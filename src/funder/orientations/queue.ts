import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import { isUuid } from '../../db/types';
import type { AuditService } from '../../audit/service';
import type { DuplicateCheck, DuplicateService } from '../../households/duplicates/service';
import { type Actor, inScope, scopeFor } from '../../permissions';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError } from '../../shared/errors';
import type { FollowUpOutbox } from '../followup/outbox';
import type { OrientationRow, OrientationRepository, OrientationStatus } from './repository';

export const CLOSE_REASONS = ['hors_parc_adherent', 'injoignable', 'besoin_couvert', 'refus_menage', 'autre'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** One orientation as the queue and its page show it. */
export interface OrientationView {
  id: string;
  recordId: string;
  orientationAsd: string;
  orientedOn: string;
  receivedAt: Date;
  status: OrientationStatus;
  closeReason: string | null;
  closedAt: Date | null;
  organisationId: string;
  organisationName: string;
  lastName: string;
  firstNames: string;
  birthDate: string;
  version: number;
  record: Record<string, unknown>;
  aidRequestId: string | null;
  missionId: string | null;
}

const view = (r: OrientationRow & { organisation_name: string }): OrientationView => ({
  id: r.id,
  recordId: r.record_id,
  orientationAsd: r.orientation_asd,
  orientedOn: r.oriented_on,
  receivedAt: r.received_at,
  status: r.status,
  closeReason: r.close_reason,
  closedAt: r.closed_at,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  lastName: r.last_name,
  firstNames: r.first_names,
  birthDate: r.birth_date,
  version: r.version,
  record: r.record,
  aidRequestId: r.aid_request_id,
  missionId: r.mission_id,
});

/**
 * The « Orientations ASD » queue: the association sees every orientation, a landlord those of its
 * tenants. Opening one is a read of a person's data (traced) and looks for the person among the
 * known people with the duplicate matcher and its privacy rules.
 */
export class OrientationQueue {
  private readonly db: Knex;
  private readonly orientations: OrientationRepository;
  private readonly outbox: FollowUpOutbox;
  private readonly duplicates: DuplicateService;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;

  constructor(deps: {
    db: Knex;
    orientations: OrientationRepository;
    outbox: FollowUpOutbox;
    duplicates: DuplicateService;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
  }) {
    this.db = deps.db;
    this.orientations = deps.orientations;
    this.outbox = deps.outbox;
    this.duplicates = deps.duplicates;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
  }

  async list(actor: Actor, status: OrientationStatus | 'toutes' = 'a_traiter'): Promise<OrientationView[]> {
    const scope = scopeFor(actor, 'orientations:read');
    return (await this.orientations.list(this.db, scope, status === 'toutes' ? null : status)).map(view);
  }

  async countWaiting(actor: Actor): Promise<number> {
    return this.orientations.countWaiting(this.db, scopeFor(actor, 'orientations:read'));
  }

  /** One orientation (traced) and what the duplicate matcher may tell this actor about its person. */
  async show(actor: Actor, id: string): Promise<{ orientation: OrientationView; known: DuplicateCheck | null }> {
    const orientation = await this.get(actor, id, 'orientations:read');
    await this.accessLog.read(actor, { action: 'orientation.view', entityType: 'funder_orientation', entityId: id });
    const salarie = orientation.record.salarie as { courriel?: string; telephone?: string };
    const known =
      orientation.status === 'a_traiter'
        ? await this.duplicates.check(actor, {
            lastName: orientation.lastName,
            firstNames: orientation.firstNames,
            birthDate: orientation.birthDate,
            email: salarie.courriel ?? null,
            phone: salarie.telephone?.replace(/[\s.]/g, '') ?? null,
          })
        : null;
    return { orientation, known };
  }

  /** Closes an orientation with one of the agreement's reason codes (it leaves in the next SUIVI file). */
  async close(actor: Actor, id: string, input: { reason: CloseReason; version: number }): Promise<void> {
    await this.db.transaction(async (trx) => {
      const before = await this.get(actor, id, 'orientations:manage', trx);
      if (before.status !== 'a_traiter') throw new ConflictError('Cette orientation n’est plus à traiter.');
      const now = this.clock.now();
      const changed = await this.orientations.close(trx, id, input.version, { reason: input.reason, by: actor.userId, at: now });
      if (!changed) throw new ConflictError();
      await this.outbox.orientation(trx, id, before.orientationAsd, 'orientation_close', now, input.reason);
      await this.audit.record(trx, actor, {
        entityType: 'funder_orientation',
        entityId: id,
        organisationId: before.organisationId,
        action: 'closed',
        before: { status: before.status },
        after: { status: 'close', close_reason: input.reason },
      });
    });
  }

  private async get(
    actor: Actor,
    id: string,
    permission: 'orientations:read' | 'orientations:manage',
    db: Knex | Knex.Transaction = this.db,
  ): Promise<OrientationView> {
    const scope = scopeFor(actor, permission);
    const row = isUuid(id) ? await this.orientations.find(db, id) : undefined;
    // another landlord's orientation is "not found", never "forbidden": its existence is not told
    if (!row || !inScope(scope, row.organisation_id)) throw new NotFoundError();
    return view(row);
  }
}
