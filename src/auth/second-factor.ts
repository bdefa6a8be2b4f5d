import type { Knex } from 'knex';
import { authenticator } from 'otplib';
import QRCode from 'qrcode';
import type { AuditService } from '../audit/service';
import type { Logger } from '../logger';
import { type Actor, type Role, scopeFor } from '../permissions';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import { verifyPassword } from './passwords';
import type { Clock } from '../shared/clock';
import type { User, UserRepository } from '../users/repository';
import type { AuthService } from './service';

/** How long the code page waits after a correct password before the password must be typed again. */
export const SECOND_FACTOR_PENDING_MINUTES = 5;

const STEP_SECONDS = 30;
const ISSUER = 'Entraide';

export type SecondFactorOutcome = 'accepted' | 'wrong' | 'replayed' | 'locked';

export interface Enrolment {
  /** The otpauth:// address as a QR code (SVG markup, no script or style). */
  qrSvg: string;
  /** The key to type by hand, in groups of four. */
  key: string;
}

/**
 * The second factor of association administrators: TOTP codes (RFC 6238, 30 s, 6 digits, SHA-1,
 * what every authenticator app reads) checked against the injected clock, one step either side for
 * a phone slightly off; a code is accepted once (the last step used is kept), a wrong code counts
 * toward the account's lockout like a wrong password.
 */
export class SecondFactorService {
  constructor(
    private readonly db: Knex,
    private readonly users: UserRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** config.secondFactorRoles: the roles that confirm each login with a code (the same list AuthService gets). */
    private readonly roles: readonly Role[],
  ) {}

  requiredFor(user: Pick<User, 'role'>): boolean {
    return this.roles.includes(user.role);
  }

  async enrolled(userId: string): Promise<boolean> {
    return (await this.users.secondFactor(this.db, userId)).enabledAt !== null;
  }

  newSecret(): string {
    return authenticator.generateSecret(20);
  }

  async enrolment(email: string, secret: string): Promise<Enrolment> {
    const uri = authenticator.keyuri(email, ISSUER, secret);
    return { qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }), key: secret.replace(/(.{4})/g, '$1 ').trim() };
  }

  /**
   * Checks a code: against the enrolled key, or during enrolment against the key shown to the user
   * (`enrolSecret`, kept in their session), which is then stored. The login is recorded as
   * successful only here.
   */
  async verify(actor: Actor, code: string, enrolSecret: string | undefined): Promise<SecondFactorOutcome> {
    const context = { ip: actor.ip, requestId: actor.requestId };
    const user = await this.users.findWithSecret(this.db, actor.userId);
    const now = this.clock.now();
    if (!user || user.status !== 'active' || (user.lockedUntil !== null && user.lockedUntil > now)) return 'locked';
    const stored = await this.users.secondFactor(this.db, user.id);
    const secret = stored.enabledAt ? stored.secret : (enrolSecret ?? null);
    const step = secret ? this.stepOf(code, secret, now) : null;
    if (step === null) return (await this.auth.recordFailure(user, 'bad_second_factor', context)) ? 'locked' : 'wrong';
    if (stored.enabledAt) {
      if (!(await this.users.useSecondFactorStep(this.db, user.id, step))) {
        this.logger.warn('second factor code replayed', { event: 'auth.second_factor_replayed', userId: user.id, ip: context.ip, requestId: context.requestId });
        return 'replayed';
      }
    } else {
      const enabled = await this.db.transaction(async (trx) => {
        if (!(await this.users.enableSecondFactor(trx, user.id, secret as string, step, now))) return false;
        await this.audit.record(trx, actor, { entityType: 'user', entityId: user.id, organisationId: user.organisationId, action: 'user.second_factor_enabled', before: null, after: null });
        return true;
      });
      // another tab enrolled a key meanwhile: this code belongs to a key that is not the account's
      if (!enabled) return 'wrong';
    }
    await this.users.recordSuccessfulLogin(this.db, user.id, now);
    this.logger.info('login succeeded', { event: 'auth.login_succeeded', secondFactor: true, userId: user.id, organisationId: user.organisationId, ip: context.ip, requestId: context.requestId });
    return 'accepted';
  }

  /** Forgets a user's key (lost phone): the next login enrols a new one. Audited. */
  async reset(actor: Actor | { userId: null; name: string }, who: { email: string } | { userId: string }): Promise<boolean> {
    const user = 'email' in who ? await this.users.findForLogin(this.db, who.email) : await this.users.findById(this.db, { all: true }, who.userId);
    if (!user) return false;
    return this.db.transaction(async (trx) => {
      if (!(await this.users.resetSecondFactor(trx, user.id, this.clock.now()))) return false;
      await this.audit.record(trx, actor, { entityType: 'user', entityId: user.id, organisationId: user.organisationId, action: 'user.second_factor_reset', before: null, after: null });
      return true;
    });
  }

  /**
   * Another association administrator resets a colleague's key from the account page, confirming
   * with their own password (a sensitive change, ASVS 3.7.1); nobody resets their own.
   */
  async resetByAdmin(actor: Actor, userId: string, password: string | undefined): Promise<boolean> {
    const scope = scopeFor(actor, 'users:manage');
    if (!scope.all) throw new ForbiddenError();
    const target = await this.users.findById(this.db, scope, userId);
    if (!target) throw new NotFoundError();
    if (target.id === actor.userId) throw new ValidationError({ confirmPassword: 'Vous ne pouvez pas réinitialiser votre propre second facteur : demandez-le à un autre administrateur' });
    const me = await this.users.findWithSecret(this.db, actor.userId);
    if (!password || !me?.passwordHash || !(await verifyPassword(me.passwordHash, password))) {
      throw new ValidationError({ confirmPassword: 'Saisissez votre mot de passe pour confirmer (il est incorrect ou manquant)' });
    }
    return this.reset(actor, { userId: target.id });
  }

  /** The time step a code belongs to (now or one step either side), or null when it matches none. */
  private stepOf(code: string, secret: string, now: Date): number | null {
    const delta = authenticator.clone({ epoch: now.getTime(), window: 1 }).checkDelta(code, secret);
    return delta === null ? null : Math.floor(now.getTime() / 1000 / STEP_SECONDS) + delta;
  }
}
