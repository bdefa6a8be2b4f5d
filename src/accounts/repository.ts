import type { Db, Page } from '../db/types';
import { isUuid, likePattern, toPage } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import type { OrganisationKind, Role, Scope } from '../permissions';

export interface User {
  id: string;
  organisationId: string;
  organisationName: string;
  organisationKind: OrganisationKind;
  organisationStatus: 'active' | 'suspended';
  agencyId: string | null;
  agencyName: string | null;
  /** Sees only the dossiers of their agency (landlord users). */
  agencyRestricted: boolean;
  role: Role;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  status: 'active' | 'deactivated';
  hasPassword: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  previousLoginAt: Date | null;
  passwordChangedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Only the authentication code reads the hash. */
export interface UserWithSecret extends User {
  passwordHash: string | null;
}

export interface UserFields {
  organisationId: string;
  agencyId: string | null;
  agencyRestricted: boolean;
  role: Role;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  status: 'active' | 'deactivated';
}

interface UserRow {
  id: string;
  organisation_id: string;
  organisation_name: string;
  organisation_kind: OrganisationKind;
  organisation_status: 'active' | 'suspended';
  agency_id: string | null;
  agency_name: string | null;
  agency_restricted: boolean;
  role: Role;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  status: 'active' | 'deactivated';
  password_hash: string | null;
  failed_logins: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  previous_login_at: Date | null;
  password_changed_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  organisationKind: r.organisation_kind,
  organisationStatus: r.organisation_status,
  agencyId: r.agency_id,
  agencyName: r.agency_name,
  agencyRestricted: r.agency_restricted,
  role: r.role,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  phone: r.phone,
  status: r.status,
  hasPassword: r.password_hash !== null,
  failedLogins: r.failed_logins,
  lockedUntil: r.locked_until,
  lastLoginAt: r.last_login_at,
  previousLoginAt: r.previous_login_at,
  passwordChangedAt: r.password_changed_at,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = (f: UserFields) => ({
  organisation_id: f.organisationId,
  agency_id: f.agencyId,
  agency_restricted: f.agencyRestricted && f.agencyId !== null,
  role: f.role,
  email: f.email,
  first_name: f.firstName,
  last_name: f.lastName,
  phone: f.phone,
  status: f.status,
});

/** Users joined with their organisation and agency, limited to a scope. */
function scopedUsers(db: Db, scope: Scope) {
  const q = db('users as u')
    .join('organisations as o', 'o.id', 'u.organisation_id')
    .leftJoin('agencies as a', 'a.id', 'u.agency_id')
    .select('u.*', 'o.name as organisation_name', 'o.kind as organisation_kind', 'o.status as organisation_status', 'a.name as agency_name');
  return scope.all ? q : q.where('u.organisation_id', scope.organisationId);
}

export interface UserFilters {
  q?: string;
  organisationId?: string;
  role?: Role;
  status?: 'active' | 'deactivated';
}

export class UserRepository {
  /** The cipher of the second factor's key (stored encrypted); only the TOTP methods need it. */
  constructor(private readonly cipher?: FieldCipher) {}

  private get totpCipher(): FieldCipher {
    if (!this.cipher) throw new Error('UserRepository built without a FieldCipher: the second factor’s key is stored encrypted');
    return this.cipher;
  }

  async list(db: Db, scope: Scope, filters: UserFilters, page: number, pageSize = 50): Promise<Page<User>> {
    const q = scopedUsers(db, scope);
    if (filters.q) {
      const p = likePattern(filters.q);
      q.where((w) => w.whereILike('u.email', p).orWhereILike('u.last_name', p).orWhereILike('u.first_name', p).orWhereILike('o.name', p));
    }
    if (filters.organisationId && isUuid(filters.organisationId)) q.where('u.organisation_id', filters.organisationId);
    if (filters.role) q.where('u.role', filters.role);
    if (filters.status) q.where('u.status', filters.status);
    const [countRow] = await q.clone().clearSelect().clearOrder().count<{ count: string }[]>('* as count');
    const rows = (await q
      .orderByRaw('lower(u.last_name), lower(u.first_name), u.id')
      .limit(pageSize)
      .offset((page - 1) * pageSize)) as UserRow[];
    return toPage(rows.map(toUser), Number(countRow?.count ?? 0), page, pageSize);
  }

  /** Active people of an organisation holding one of these roles, by name (to assign work to). */
  async activeWithRoles(
    db: Db,
    organisationId: string,
    roles: readonly Role[],
  ): Promise<Array<{ id: string; firstName: string; lastName: string; email: string }>> {
    const rows = await db('users')
      .where({ organisation_id: organisationId, status: 'active' })
      .whereIn('role', roles)
      .orderBy(['last_name', 'first_name'])
      .select('id', 'first_name', 'last_name', 'email');
    return rows.map((u: Record<string, string>) => ({
      id: u.id as string,
      firstName: u.first_name as string,
      lastName: u.last_name as string,
      email: u.email as string,
    }));
  }

  async findById(db: Db, scope: Scope, id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    const row = (await scopedUsers(db, scope).where('u.id', id).first()) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  /**
   * A live extranet session (row of `sessions`, not expired at `now`) and, in the same round trip, the
   * user its passport entry names (null when it names none, or no such user): the session store's read.
   */
  async sessionWithUser(db: Db, sid: string, now: Date): Promise<{ sess: unknown; user: User | null } | null> {
    const row = await db('sessions as s')
      .leftJoin(
        'users as u',
        'u.id',
        // a user id only when the session holds one shaped like a uuid (a cast of anything else would fail the read)
        db.raw(
          `case when (s.sess -> 'passport' ->> 'user') ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then (s.sess -> 'passport' ->> 'user')::uuid end`,
        ),
      )
      // the same columns as scopedUsers (inner join there: a user always has its organisation)
      .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
      .leftJoin('agencies as a', 'a.id', 'u.agency_id')
      .select(
        's.sess as session_data',
        'u.*',
        'o.name as organisation_name',
        'o.kind as organisation_kind',
        'o.status as organisation_status',
        'a.name as agency_name',
      )
      .where('s.sid', sid)
      .where('s.expired', '>=', now)
      .first<(UserRow & { session_data: unknown }) | undefined>();
    if (!row) return null;
    return { sess: row.session_data, user: row.id ? toUser(row) : null };
  }

  /** Authentication only: looks a user up by e-mail across all organisations, with the hash. */
  async findForLogin(db: Db, email: string): Promise<UserWithSecret | null> {
    const row = (await scopedUsers(db, { all: true }).whereRaw('lower(u.email) = lower(?)', [email]).first()) as UserRow | undefined;
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async findWithSecret(db: Db, id: string): Promise<UserWithSecret | null> {
    if (!isUuid(id)) return null;
    const row = (await scopedUsers(db, { all: true }).where('u.id', id).first()) as UserRow | undefined;
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async emailTaken(db: Db, email: string, exceptId?: string): Promise<boolean> {
    const q = db('users').whereRaw('lower(email) = lower(?)', [email]);
    if (exceptId) q.whereNot('id', exceptId);
    return Boolean(await q.first('id'));
  }

  async insert(db: Db, fields: UserFields, now: Date): Promise<string> {
    const [row] = await db('users')
      .insert({ ...columns(fields), created_at: now, updated_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async update(db: Db, id: string, version: number, fields: UserFields, now: Date): Promise<boolean> {
    const count = await db('users')
      .where({ id, version })
      .update({ ...columns(fields), version: version + 1, updated_at: now });
    return count === 1;
  }

  async setPassword(db: Db, id: string, passwordHash: string, now: Date): Promise<void> {
    await db('users').where('id', id).update({ password_hash: passwordHash, password_changed_at: now, failed_logins: 0, locked_until: null, updated_at: now });
  }

  /**
   * Counts a failed login and locks the account when the count reaches the limit. A lock that has
   * expired starts a fresh count. Returns the new count.
   */
  async recordFailedLogin(db: Db, id: string, now: Date, maxFailures: number, lockUntil: Date): Promise<number> {
    const fresh = 'coalesce(locked_until <= ?::timestamptz, false)';
    const [row] = await db('users')
      .where('id', id)
      .update({
        failed_logins: db.raw(`case when ${fresh} then 1 else failed_logins + 1 end`, [now]),
        locked_until: db.raw(
          `case when (case when ${fresh} then 1 else failed_logins + 1 end) >= ? then ?::timestamptz when ${fresh} then null else locked_until end`,
          [now, maxFailures, lockUntil, now],
        ),
      })
      .returning<{ failed_logins: number }[]>('failed_logins');
    return Number(row!.failed_logins); // the user exists: the caller just read it
  }

  /** The user's second factor: its key once enrolled, and the last time step a code was accepted for. */
  async secondFactor(db: Db, id: string): Promise<{ secret: string | null; enabledAt: Date | null; lastStep: number | null }> {
    const row = await db('users')
      .where('id', id)
      .first<{ totp_secret: string | null; totp_enabled_at: Date | null; totp_last_step: string | null } | undefined>(
        'totp_secret',
        'totp_enabled_at',
        'totp_last_step',
      );
    return {
      secret: this.totpCipher.decryptNullable(row?.totp_secret, 'users.totp_secret'),
      enabledAt: row?.totp_enabled_at ?? null,
      lastStep: row?.totp_last_step === null || row?.totp_last_step === undefined ? null : Number(row.totp_last_step),
    };
  }

  /** Enrols a key, unless one was enrolled meanwhile (then false). */
  async enableSecondFactor(db: Db, id: string, secret: string, step: number, now: Date): Promise<boolean> {
    const rows = await db('users')
      .where('id', id)
      .whereNull('totp_enabled_at')
      .update({ totp_secret: this.totpCipher.encrypt(secret, 'users.totp_secret'), totp_enabled_at: now, totp_last_step: step, updated_at: now })
      .returning('id');
    return rows.length === 1;
  }

  /** Takes a time step as used: false when it, or a later one, already was (a code is accepted once). */
  async useSecondFactorStep(db: Db, id: string, step: number): Promise<boolean> {
    const rows = await db('users')
      .where('id', id)
      .whereNotNull('totp_enabled_at')
      .where((w) => w.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
      .update({ totp_last_step: step })
      .returning('id');
    return rows.length === 1;
  }

  /** Forgets the key: the next login enrols a new one. */
  async resetSecondFactor(db: Db, id: string, now: Date): Promise<boolean> {
    const rows = await db('users')
      .where('id', id)
      .whereNotNull('totp_secret')
      .update({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: now })
      .returning('id');
    return rows.length === 1;
  }

  async recordSuccessfulLogin(db: Db, id: string, now: Date): Promise<void> {
    await db('users')
      .where('id', id)
      .update({ failed_logins: 0, locked_until: null, previous_login_at: db.raw('last_login_at'), last_login_at: now });
  }

  /** Ends every session of a user (deactivation, password change), except optionally the current one. */
  async destroySessions(db: Db, userId: string, exceptSid?: string): Promise<void> {
    const q = db('sessions').whereRaw(`sess::jsonb #>> '{passport,user}' = ?`, [userId]);
    if (exceptSid) q.whereNot('sid', exceptSid);
    await q.delete();
  }
}
