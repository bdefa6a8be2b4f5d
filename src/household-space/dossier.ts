import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import { isUuid } from '../db/types';
import type { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { type HouseholdActor, householdAuditActor } from './actor';
import type { HouseholdAccessService } from './access';
import type { HouseholdDossierRepository } from './dossier-repository';
import { decisionWords, missionNow, paymentWords, requestNow } from './plain-words';

/** A right the person can exercise from their space (GDPR art. 15 to 21). */
export type HouseholdRight = 'access' | 'portability' | 'rectification' | 'erasure' | 'restriction' | 'objection';

/** Where a request made from the space lands: the association's register of rights requests (rights area, given at the root). */
export type RightsRegisterPort = (
  db: Knex.Transaction,
  request: { personId: string; kind: HouseholdRight; details: string | null; requester: string; now: Date },
) => Promise<string>;

/**
 * What a household reads of its own dossier, in plain words, every read traced: its requests (what
 * is expected from it, the decision and letter, the instalments paid to the landlord — never bank
 * details), its missions (appointments, objectives — never the adviser's notes), and its rights.
 */
export class HouseholdDossierService {
  constructor(
    private readonly deps: {
      db: Knex;
      clock: Clock;
      repository: HouseholdDossierRepository;
      access: HouseholdAccessService;
      blobs: BlobStore;
      audit: AuditService;
      rightsRegister: RightsRegisterPort;
    },
  ) {}

  async home(actor: HouseholdActor) {
    const { db, repository, access } = this.deps;
    const [requests, missions] = await Promise.all([repository.requests(db, actor.householdId), repository.missions(db, actor.householdId)]);
    await access.trace(actor, { action: 'household.home', entityType: 'household', entityId: actor.householdId });
    return {
      requests: requests.map((r) => ({ ...r, now: requestNow(r.status) })),
      missions: missions.map((m) => ({ ...m, now: missionNow(m.status) })),
    };
  }

  async request(actor: HouseholdActor, requestId: string) {
    const { db, repository, access } = this.deps;
    const request = isUuid(requestId) ? await repository.request(db, actor.householdId, requestId) : null;
    if (!request) throw new NotFoundError('Cette demande n’existe pas dans votre espace.');
    const [decisions, payments] = await Promise.all([repository.decisions(db, request.id), repository.payments(db, request.id)]);
    await access.trace(actor, { action: 'household.request', entityType: 'aid_request', entityId: request.id });
    return {
      request: { ...request, now: requestNow(request.status) },
      decisions: decisions.map((d) => ({ ...d, words: decisionWords(d.kind) })),
      payments: payments.map((p) => ({ ...p, words: paymentWords(p.status) })),
      paidCents: payments
        .filter((p) => p.status === 'settled' || p.status === 'sent')
        .reduce((sum, p) => sum + BigInt(p.amountCents), 0n)
        .toString(),
    };
  }

  /** The letter of a decision on one of the household's requests. */
  async letter(actor: HouseholdActor, requestId: string, decisionId: string): Promise<{ filename: string; data: Buffer }> {
    const { db, blobs, access } = this.deps;
    const { request, decisions } = await this.request(actor, requestId);
    const decision = isUuid(decisionId) ? decisions.find((d) => d.id === decisionId) : undefined;
    const blob = decision?.letterBlobId ? await blobs.get(db, decision.letterBlobId) : null;
    if (!decision || !blob) throw new NotFoundError('Ce courrier n’existe pas.');
    await access.trace(actor, { action: 'household.decision_letter', entityType: 'decision', entityId: decision.id });
    return { filename: `courrier-${request.reference ?? 'demande'}.pdf`, data: blob.data };
  }

  async mission(actor: HouseholdActor, missionId: string) {
    const { db, repository, access } = this.deps;
    const mission = isUuid(missionId) ? await repository.mission(db, actor.householdId, missionId) : null;
    if (!mission) throw new NotFoundError('Cet accompagnement n’existe pas dans votre espace.');
    const [objectives, appointments, sessions] = await Promise.all([
      repository.objectives(db, mission.id),
      repository.appointments(db, mission.id),
      repository.sharedSessions(db, mission.id),
    ]);
    await access.trace(actor, { action: 'household.mission', entityType: 'mission', entityId: mission.id });
    const now = this.deps.clock.now().getTime();
    return {
      mission: { ...mission, now: missionNow(mission.status) },
      objectives,
      sessions,
      upcoming: appointments.filter((a) => a.startsAt.getTime() >= now && ['scheduled', 'confirmed'].includes(a.status)).reverse(),
      past: appointments.filter((a) => a.startsAt.getTime() < now || !['scheduled', 'confirmed'].includes(a.status)),
    };
  }

  /** A GDPR request made from the space: into the association's register, audited, the one-month deadline running. */
  async askRight(actor: HouseholdActor, input: { kind: HouseholdRight; details: string | null }): Promise<string> {
    const { db, clock, audit } = this.deps;
    return db.transaction(async (trx) => {
      const id = await this.deps.rightsRegister(trx, {
        personId: actor.personId,
        kind: input.kind,
        details: input.details,
        requester: `${actor.label} (depuis son espace)`,
        now: clock.now(),
      });
      await audit.record(trx, householdAuditActor(actor), {
        entityType: 'rights_request',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'rights.request_recorded',
        after: { personId: actor.personId, kind: input.kind, channel: 'household_space' },
      });
      return id;
    });
  }
}
