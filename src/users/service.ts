import type { Knex } from 'knex';
import type { AuditEvent } from '../audit/repository';
import type { AuditService } from '../audit/service';
import { checkIdentityProof, type IdentityProof } from '../auth/second-factor';
import { type PasswordTokenRepository, TOKEN_TTL_MINUTES } from '../auth/tokens';
import type { Db, Page } from '../db/types';
import type { Mailer } from '../notifications/mailer';
import { invitationMail, passwordResetMail } from '../notifications/templates';
import type { OrganisationRepository } from '../organisations/repository';
import { type Actor, type OrganisationKind, PRIVILEGED_ROLES, ROLES_BY_KIND, type Role, type Scope, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import type { User, UserFields, UserRepository } from '../accounts/repository';
import type { CreateUserInput, UpdateUserInput, UserListQuery } from './schemas';

const ENTITY = 'user';

const snapshot = (u: UserFields | User): Record<string, unknown> => ({
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  phone: u.phone,
  role: u.role,
  agencyId: u.agencyId,
  agencyRestricted: u.agencyRestricted,
  status: u.status,
});

export interface UserDetail {
  user: User;
  history: AuditEvent[];
}

/** Roles this actor may give to a user of an organisation of this kind. */
export function assignableRoles(actor: Actor, kind: OrganisationKind): readonly Role[] {
  const scope = scopeFor(actor, 'users:manage');
  if (scope.all) return ROLES_BY_KIND[kind];
  return actor.organisationKind === kind ? ROLES_BY_KIND[kind] : [];
}

export class UserService {
  private readonly db: Knex;
  private readonly users: UserRepository;
  private readonly organisations: OrganisationRepository;
  private readonly tokens: PasswordTokenRepository;
  private readonly audit: AuditService;
  private readonly mailer: Mailer;
  private readonly clock: Clock;
  private readonly setPasswordLink: (token: string) => string;

  constructor(deps: {
    db: Knex;
    users: UserRepository;
    organisations: OrganisationRepository;
    tokens: PasswordTokenRepository;
    audit: AuditService;
    mailer: Mailer;
    clock: Clock;
    setPasswordLink: (token: string) => string;
  }) {
    this.db = deps.db;
    this.users = deps.users;
    this.organisations = deps.organisations;
    this.tokens = deps.tokens;
    this.audit = deps.audit;
    this.mailer = deps.mailer;
    this.clock = deps.clock;
    this.setPasswordLink = deps.setPasswordLink;
  }

  list(actor: Actor, query: UserListQuery): Promise<Page<User>> {
    const scope = scopeFor(actor, 'users:manage');
    return this.users.list(this.db, scope, query, query.page);
  }

  async get(actor: Actor, id: string): Promise<User> {
    const user = await this.users.findById(this.db, scopeFor(actor, 'users:manage'), id);
    if (!user) throw new NotFoundError();
    return user;
  }

  async detail(actor: Actor, id: string): Promise<UserDetail> {
    const user = await this.get(actor, id);
    return { user, history: await this.audit.history(this.db, ENTITY, id) };
  }

  /** The current user's own account (any role). */
  async me(actor: Actor): Promise<User> {
    const user = await this.users.findById(this.db, { all: false, organisationId: actor.organisationId }, actor.userId);
    if (!user) throw new NotFoundError();
    return user;
  }

  /**
   * Creates the account without a password and mails a one-time link to choose it. An account
   * that will move money or manage access (PRIVILEGED_ROLES) is a sensitive creation: its link
   * lets its holder enrol a second factor, so a session left open must not mint one (ASVS 3.7.1).
   */
  async create(actor: Actor, input: CreateUserInput, confirmIdentity?: () => Promise<IdentityProof>): Promise<User> {
    const scope = scopeFor(actor, 'users:manage');
    const privileged = PRIVILEGED_ROLES.includes(input.role);
    // asked before the transaction (the check reads and counts failures on its own connection), and only for a
    // creation that could succeed: a wrong role or a taken address is said first, next to its field
    let proof: IdentityProof | null = null;
    if (privileged && confirmIdentity) {
      const organisation = await this.organisations.findById(this.db, scope, input.organisationId);
      if (organisation && ROLES_BY_KIND[organisation.kind].includes(input.role) && !(await this.users.emailTaken(this.db, input.email)))
        proof = await confirmIdentity();
    }
    const { id, mailId } = await this.db.transaction(async (trx) => {
      const organisation = await this.organisations.findById(trx, scope, input.organisationId);
      if (!organisation) throw new ValidationError({ organisationId: 'Choisissez une organisation de la liste' });
      const fields = await this.checkedFields(trx, actor, scope, organisation.id, organisation.kind, input, 'active');
      if (await this.users.emailTaken(trx, fields.email)) {
        throw new ValidationError({ email: 'Un compte existe déjà avec cette adresse e-mail' });
      }
      if (privileged) checkIdentityProof(actor, proof, this.clock.now());
      const now = this.clock.now();
      const id = await this.users.insert(trx, fields, now);
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: id,
        organisationId: organisation.id,
        action: 'user.created',
        before: null,
        after: snapshot(fields),
      });
      const token = await this.tokens.issue(trx, id, 'invitation', now, actor.userId);
      const mailId = await this.mailer.queue(
        trx,
        invitationMail(fields.email, fields.firstName, organisation.name, this.setPasswordLink(token), TOKEN_TTL_MINUTES.invitation / 60),
      );
      return { id, mailId };
    });
    await this.mailer.deliver([mailId]);
    return this.get(actor, id);
  }

  /**
   * Changing a role is sensitive (ASVS 3.7.1): `confirmIdentity` re-authenticates the actor (or
   * returns their re-authentication of the last 5 minutes) before anything is written.
   */
  async update(actor: Actor, id: string, input: UpdateUserInput, confirmIdentity?: () => Promise<IdentityProof>): Promise<User> {
    const scope = scopeFor(actor, 'users:manage');
    const before = await this.users.findById(this.db, scope, id);
    if (!before) throw new NotFoundError();
    // asked before the transaction: the check reads and counts failures on its own connection; the
    // e-mail is as sensitive as the role (a password link sent to a new address takes the account)
    const sensitive = (input.role !== before.role || input.email !== before.email) && before.id !== actor.userId;
    const proof = sensitive && confirmIdentity ? await confirmIdentity() : null;
    await this.db.transaction(async (trx) => {
      const current = await this.users.findById(trx, scope, id);
      if (!current) throw new NotFoundError();
      if (current.version !== input.version) throw new ConflictError();
      const fields = await this.checkedFields(trx, actor, scope, current.organisationId, current.organisationKind, input, current.status);
      if (fields.role !== current.role) {
        if (current.id === actor.userId) throw new ValidationError({ role: 'Vous ne pouvez pas changer votre propre rôle' });
        checkIdentityProof(actor, proof, this.clock.now());
      }
      if (fields.email !== current.email && current.id !== actor.userId) checkIdentityProof(actor, proof, this.clock.now());
      if (await this.users.emailTaken(trx, fields.email, id)) {
        throw new ValidationError({ email: 'Un compte existe déjà avec cette adresse e-mail' });
      }
      if (!(await this.users.update(trx, id, input.version, fields, this.clock.now()))) throw new ConflictError();
      // a new role or address takes effect at the next login: the sessions opened under the old ones end now
      if ((fields.role !== current.role || fields.email !== current.email) && current.id !== actor.userId) await this.users.destroySessions(trx, id);
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: id,
        organisationId: current.organisationId,
        action: fields.role !== current.role ? 'user.role_changed' : 'user.updated',
        before: snapshot(current),
        after: snapshot(fields),
      });
    });
    return this.get(actor, id);
  }

  /** Deactivation ends the user's sessions at once; an account is never deleted (its history stays). */
  async setStatus(actor: Actor, id: string, status: 'active' | 'deactivated'): Promise<User> {
    const scope = scopeFor(actor, 'users:manage');
    await this.db.transaction(async (trx) => {
      const current = await this.users.findById(trx, scope, id);
      if (!current) throw new NotFoundError();
      if (current.id === actor.userId) throw new ForbiddenError('Vous ne pouvez pas désactiver votre propre compte');
      if (current.status === status) return;
      const fields: UserFields = { ...fieldsOf(current), status };
      if (!(await this.users.update(trx, id, current.version, fields, this.clock.now()))) throw new ConflictError();
      if (status === 'deactivated') await this.users.destroySessions(trx, id);
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: id,
        organisationId: current.organisationId,
        action: status === 'deactivated' ? 'user.deactivated' : 'user.reactivated',
        before: snapshot(current),
        after: snapshot(fields),
      });
    });
    return this.get(actor, id);
  }

  /** Mails a one-time link: an invitation again when no password was ever set, a reset otherwise. */
  async sendPasswordLink(actor: Actor, id: string): Promise<User> {
    const scope = scopeFor(actor, 'users:manage');
    const mailId = await this.db.transaction(async (trx) => {
      const user = await this.users.findById(trx, scope, id);
      if (!user) throw new NotFoundError();
      if (user.status !== 'active') throw new ValidationError({ status: 'Réactivez d’abord ce compte' });
      const purpose = user.hasPassword ? 'reset' : 'invitation';
      const token = await this.tokens.issue(trx, id, purpose, this.clock.now(), actor.userId);
      await this.audit.record(trx, actor, {
        entityType: ENTITY,
        entityId: id,
        organisationId: user.organisationId,
        action: purpose === 'reset' ? 'user.password_reset_sent' : 'user.invitation_sent',
      });
      const link = this.setPasswordLink(token);
      return this.mailer.queue(
        trx,
        purpose === 'reset'
          ? passwordResetMail(user.email, user.firstName, link, TOKEN_TTL_MINUTES.reset)
          : invitationMail(user.email, user.firstName, user.organisationName, link, TOKEN_TTL_MINUTES.invitation / 60),
      );
    });
    await this.mailer.deliver([mailId]);
    return this.get(actor, id);
  }

  /** Checks role and agency against the organisation and what the actor may grant. */
  private async checkedFields(
    trx: Db,
    actor: Actor,
    scope: Scope,
    organisationId: string,
    kind: OrganisationKind,
    input: Omit<CreateUserInput, 'organisationId'>,
    status: 'active' | 'deactivated',
  ): Promise<UserFields> {
    if (!assignableRoles(actor, kind).includes(input.role)) {
      throw new ValidationError({ role: 'Ce rôle n’est pas possible pour un utilisateur de cette organisation' });
    }
    if (!scope.all && scope.organisationId !== organisationId) throw new NotFoundError();
    let agencyId: string | null = null;
    if (input.agencyId) {
      const agency = await this.organisations.findAgency(trx, organisationId, input.agencyId);
      if (!agency) throw new ValidationError({ agencyId: 'Choisissez une agence de cette organisation' });
      agencyId = agency.id;
    }
    if (input.agencyRestricted && !agencyId) throw new ValidationError({ agencyRestricted: 'Choisissez l’agence à laquelle limiter ses accès' });
    return {
      organisationId,
      agencyId,
      agencyRestricted: input.agencyRestricted && agencyId !== null,
      role: input.role,
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone ?? null,
      status,
    };
  }
}

function fieldsOf(u: User): UserFields {
  return {
    organisationId: u.organisationId,
    agencyId: u.agencyId,
    agencyRestricted: u.agencyRestricted,
    role: u.role,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    phone: u.phone,
    status: u.status,
  };
}
