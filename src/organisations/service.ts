import type { Knex } from 'knex';
import type { AuditService, LastUpdate } from '../audit/service';
import type { AuditEvent } from '../audit/repository';
import type { Page } from '../db/types';
import { type Actor, ROLES_BY_KIND, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { ReferenceCache } from '../shared/reference-cache';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { Agency, AgencyFields, Organisation, OrganisationFields, OrganisationRepository, OrganisationSummary } from './repository';
import type { AgencyInput, CreateOrganisationInput, OrganisationListQuery, UpdateAgencyInput, UpdateOrganisationInput } from './schemas';

export interface OrganisationDetail {
  organisation: Organisation;
  agencies: Agency[];
  lastUpdate: LastUpdate | null;
  history: AuditEvent[];
}

const ENTITY = 'organisation';
const AGENCY = 'agency';

const snapshot = (o: Organisation | OrganisationFields): Record<string, unknown> => ({
  kind: o.kind,
  name: o.name,
  siren: o.siren,
  addressLine1: o.addressLine1,
  addressLine2: o.addressLine2,
  postcode: o.postcode,
  city: o.city,
  email: o.email,
  phone: o.phone,
  memberSince: o.memberSince,
  status: o.status,
});

const agencySnapshot = (a: Agency | AgencyFields): Record<string, unknown> => ({
  name: a.name,
  postcode: a.postcode,
  city: a.city,
  status: a.status,
});

export class OrganisationService {
  private readonly db: Knex;
  private readonly repository: OrganisationRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly cache: ReferenceCache;

  constructor(deps: { db: Knex; repository: OrganisationRepository; audit: AuditService; clock: Clock; cache?: ReferenceCache }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.cache = deps.cache ?? new ReferenceCache({ ttlMs: 0 });
  }

  list(actor: Actor, query: OrganisationListQuery): Promise<Page<OrganisationSummary>> {
    const scope = scopeFor(actor, 'organisations:read');
    return this.repository.list(this.db, scope, { q: query.q, kind: query.kind, status: query.status }, query.page);
  }

  /** One organisation as the actor may see it; another organisation's id answers NotFound. */
  async get(actor: Actor, id: string): Promise<Organisation> {
    const organisation = await this.repository.findById(this.db, scopeFor(actor, 'organisations:read'), id);
    if (!organisation) throw new NotFoundError();
    return organisation;
  }

  async detail(actor: Actor, id: string): Promise<OrganisationDetail> {
    const organisation = await this.get(actor, id);
    const [agencies, history] = await Promise.all([this.repository.listAgencies(this.db, id), this.audit.history(this.db, ENTITY, id)]);
    const last = history[0];
    return { organisation, agencies, history, lastUpdate: last ? { at: last.occurredAt, by: last.actorLabel } : null };
  }

  /** Agencies of an organisation the actor may manage users of (used by the user forms). */
  async agenciesOf(actor: Actor, organisationId: string): Promise<Agency[]> {
    const scope = scopeFor(actor, 'users:manage');
    const organisation = await this.repository.findById(this.db, scope, organisationId);
    if (!organisation) throw new NotFoundError();
    return this.repository.listAgencies(this.db, organisationId);
  }

  /** The open agencies of the actor's own organisation (list filters, household forms), kept the reference cache's few seconds. */
  async ownAgencies(actor: Actor): Promise<Agency[]> {
    const all = await this.cache.get(`agencies:${actor.organisationId}`, [AGENCY], () => this.repository.listAgencies(this.db, actor.organisationId));
    return all.filter((a) => a.status === 'active');
  }

  /** Organisations in which the actor may create users (for the "Organisation" select). */
  listForUserAdmin(actor: Actor): Promise<Array<Pick<Organisation, 'id' | 'name' | 'kind'>>> {
    return this.repository.listOptions(this.db, scopeFor(actor, 'users:manage'));
  }

  async create(actor: Actor, input: CreateOrganisationInput): Promise<Organisation> {
    scopeFor(actor, 'organisations:manage');
    const fields: OrganisationFields = { ...toFields(input), status: 'active' };
    return this.db.transaction(async (trx) => {
      await this.assertSirenFree(trx, fields.siren);
      const created = await this.repository.insert(trx, fields, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: created.id,
        organisationId: created.id,
        action: 'organisation.created',
        before: null,
        after: snapshot(created),
      });
      return created;
    });
  }

  async update(actor: Actor, id: string, input: UpdateOrganisationInput): Promise<Organisation> {
    const scope = scopeFor(actor, 'organisations:manage');
    const fields: OrganisationFields = { ...toFields(input), status: input.status };
    return this.db.transaction(async (trx) => {
      const current = await this.repository.findById(trx, scope, id);
      if (!current) throw new NotFoundError();
      if (current.version !== input.version) throw new ConflictError();
      if (fields.kind !== current.kind) {
        if (await this.repository.hasUsersOutsideRoles(trx, id, ROLES_BY_KIND[fields.kind])) {
          throw new ValidationError({ kind: 'Des utilisateurs de cette organisation ont un rôle incompatible avec ce type : modifiez d’abord leurs rôles' });
        }
      }
      if (fields.siren !== current.siren) await this.assertSirenFree(trx, fields.siren);
      const updated = await this.repository.update(trx, id, input.version, fields, this.clock.now());
      if (!updated) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: id,
        organisationId: id,
        action:
          current.status !== updated.status ? (updated.status === 'suspended' ? 'organisation.suspended' : 'organisation.reactivated') : 'organisation.updated',
        before: snapshot(current),
        after: snapshot(updated),
      });
      return updated;
    });
  }

  async addAgency(actor: Actor, organisationId: string, input: AgencyInput): Promise<Agency> {
    const scope = scopeFor(actor, 'organisations:manage');
    return this.db.transaction(async (trx) => {
      const organisation = await this.repository.findById(trx, scope, organisationId);
      if (!organisation) throw new NotFoundError();
      if (await this.repository.agencyNameTaken(trx, organisationId, input.name)) {
        throw new ValidationError({ name: 'Une agence porte déjà ce nom dans cette organisation' });
      }
      const fields: AgencyFields = { name: input.name, postcode: input.postcode ?? null, city: input.city ?? null, status: 'active' };
      const agency = await this.repository.insertAgency(trx, organisationId, fields, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: organisationId,
        organisationId,
        action: 'agency.created',
        before: null,
        after: { agency: agency.name },
      });
      await this.audit.record(trx, actor, {
        entityType: AGENCY,
        entityId: agency.id,
        organisationId,
        action: 'agency.created',
        before: null,
        after: agencySnapshot(agency),
      });
      return agency;
    });
  }

  async getAgency(actor: Actor, organisationId: string, agencyId: string): Promise<{ organisation: Organisation; agency: Agency }> {
    const organisation = await this.get(actor, organisationId);
    const agency = await this.repository.findAgency(this.db, organisationId, agencyId);
    if (!agency) throw new NotFoundError();
    return { organisation, agency };
  }

  async updateAgency(actor: Actor, organisationId: string, agencyId: string, input: UpdateAgencyInput): Promise<Agency> {
    const scope = scopeFor(actor, 'organisations:manage');
    return this.db.transaction(async (trx) => {
      const organisation = await this.repository.findById(trx, scope, organisationId);
      if (!organisation) throw new NotFoundError();
      const current = await this.repository.findAgency(trx, organisationId, agencyId);
      if (!current) throw new NotFoundError();
      if (current.version !== input.version) throw new ConflictError();
      if (await this.repository.agencyNameTaken(trx, organisationId, input.name, agencyId)) {
        throw new ValidationError({ name: 'Une agence porte déjà ce nom dans cette organisation' });
      }
      const fields: AgencyFields = { name: input.name, postcode: input.postcode ?? null, city: input.city ?? null, status: input.status };
      const updated = await this.repository.updateAgency(trx, organisationId, agencyId, input.version, fields, this.clock.now());
      if (!updated) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: AGENCY,
        entityId: agencyId,
        organisationId,
        action: 'agency.updated',
        before: agencySnapshot(current),
        after: agencySnapshot(updated),
      });
      return updated;
    });
  }

  private async assertSirenFree(trx: Knex.Transaction, siren: string | null): Promise<void> {
    if (!siren) return;
    const other = await this.repository.findBySiren(trx, siren);
    if (other) throw new ValidationError({ siren: `Ce SIREN est déjà celui de l’organisation « ${other.name} »` });
  }
}

function toFields(input: CreateOrganisationInput): Omit<OrganisationFields, 'status'> {
  return {
    kind: input.kind,
    name: input.name,
    siren: input.siren ?? null,
    addressLine1: input.addressLine1 ?? null,
    addressLine2: input.addressLine2 ?? null,
    postcode: input.postcode ?? null,
    city: input.city ?? null,
    email: input.email ?? null,
    phone: input.phone ?? null,
    memberSince: input.memberSince ?? null,
  };
}
