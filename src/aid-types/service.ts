import type { Knex } from 'knex';
import type { AuditEvent } from '../audit/repository';
import type { AuditService } from '../audit/service';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { formatDate } from '../shared/format';
import type { AidType, AidTypeFields, AidTypeRepository, AidTypeVersion } from './repository';
import { type CreateAidTypeInput, toRules, type UpdateAidTypeInput, type VersionFormInput } from './schemas';

export interface AidTypeDetail {
  aidType: AidType;
  versions: AidTypeVersion[];
  inForce: AidTypeVersion | null;
  history: AuditEvent[];
}

/** The day before a date ("2026-01-01" → "2025-12-31"). */
function dayBefore(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The aid catalogue: types and their versioned rules. A version is never edited; a regulatory
 * change is a new version from a date, which closes the previous one the day before.
 */
export class AidTypeService {
  private readonly db: Knex;
  private readonly repository: AidTypeRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: AidTypeRepository; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  list(actor: Actor) {
    scopeFor(actor, 'catalogue:read');
    return this.repository.list(this.db);
  }

  async detail(actor: Actor, id: string): Promise<AidTypeDetail> {
    scopeFor(actor, 'catalogue:read');
    const aidType = await this.repository.findById(this.db, id);
    if (!aidType) throw new NotFoundError();
    const [versions, inForce, history] = await Promise.all([
      this.repository.versions(this.db, id),
      this.repository.versionOn(this.db, id, parisDate(this.clock.now())),
      this.audit.history(this.db, 'aid_type', id),
    ]);
    return { aidType, versions, inForce, history };
  }

  /** The version in force on a date (the one a request submitted that day is bound to). */
  versionOn(aidTypeId: string, date: string): Promise<AidTypeVersion | null> {
    return this.repository.versionOn(this.db, aidTypeId, date);
  }

  async create(actor: Actor, input: CreateAidTypeInput): Promise<string> {
    scopeFor(actor, 'catalogue:manage');
    const fields: AidTypeFields = {
      code: input.code,
      label: input.label,
      description: input.description ?? '',
      payees: input.payees,
      groupCode: input.groupCode ?? null,
      validationThresholdCents: input.validationThreshold,
      status: 'active',
    };
    const rules = toRules(input);
    return this.db.transaction(async (trx) => {
      if (await this.repository.codeTaken(trx, fields.code)) throw new ValidationError({ code: 'Une aide porte déjà ce code' });
      const now = this.clock.now();
      const id = await this.repository.insert(trx, fields, now);
      await this.repository.insertVersion(
        trx,
        { aidTypeId: id, number: 1, effectiveFrom: input.effectiveFrom, rules, notes: input.notes ?? '', createdBy: actor.userId },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_type',
        entityId: id,
        organisationId: null,
        action: 'aid_type.created',
        before: null,
        after: { ...fields, effectiveFrom: input.effectiveFrom },
      });
      return id;
    });
  }

  async update(actor: Actor, id: string, input: UpdateAidTypeInput): Promise<void> {
    scopeFor(actor, 'catalogue:manage');
    await this.db.transaction(async (trx) => {
      const current = await this.repository.findById(trx, id);
      if (!current) throw new NotFoundError();
      if (current.version !== input.version) throw new ConflictError();
      const fields: AidTypeFields = {
        code: current.code,
        label: input.label,
        description: input.description ?? '',
        payees: input.payees,
        groupCode: input.groupCode ?? null,
        validationThresholdCents: input.validationThreshold,
        status: input.status,
      };
      if (!(await this.repository.update(trx, id, input.version, fields, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'aid_type',
        entityId: id,
        organisationId: null,
        action: current.status !== fields.status ? (fields.status === 'archived' ? 'aid_type.archived' : 'aid_type.reactivated') : 'aid_type.updated',
        before: {
          label: current.label,
          description: current.description,
          payees: current.payees.join(', '),
          groupCode: current.groupCode,
          validationThresholdCents: current.validationThresholdCents,
          status: current.status,
        },
        after: {
          label: fields.label,
          description: fields.description,
          payees: fields.payees.join(', '),
          groupCode: fields.groupCode,
          validationThresholdCents: fields.validationThresholdCents,
          status: fields.status,
        },
      });
    });
  }

  /** A new version from a date (today at the earliest, after the latest version). */
  async addVersion(actor: Actor, aidTypeId: string, input: VersionFormInput): Promise<void> {
    scopeFor(actor, 'catalogue:manage');
    const today = parisDate(this.clock.now());
    if (input.effectiveFrom < today)
      throw new ValidationError({
        effectiveFrom: 'Une nouvelle version entre en vigueur aujourd’hui au plus tôt : les demandes déjà déposées gardent leur version',
      });
    const rules = toRules(input);
    await this.db.transaction(async (trx) => {
      const aidType = await this.repository.findById(trx, aidTypeId);
      if (!aidType) throw new NotFoundError();
      const [latest] = await this.repository.versions(trx, aidTypeId);
      if (latest && input.effectiveFrom <= latest.effectiveFrom) {
        throw new ValidationError({
          effectiveFrom: `La nouvelle version doit entrer en vigueur après la version ${latest.number} (du ${formatDate(latest.effectiveFrom)})`,
        });
      }
      await this.repository.closeOpenVersion(trx, aidTypeId, dayBefore(input.effectiveFrom));
      const number = (latest?.number ?? 0) + 1;
      await this.repository.insertVersion(
        trx,
        { aidTypeId, number, effectiveFrom: input.effectiveFrom, rules, notes: input.notes ?? '', createdBy: actor.userId },
        this.clock.now(),
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_type',
        entityId: aidTypeId,
        organisationId: null,
        action: 'aid_type.version_added',
        before: null,
        after: { versionNumber: number, effectiveFrom: input.effectiveFrom },
      });
    });
  }
}
