import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import { accountLockedMail, passwordChangedMail, passwordResetMail } from '../notifications/templates';
import type { Actor, Role } from '../permissions';
import type { Clock } from '../shared/clock';
import { NotFoundError, ValidationError } from '../shared/errors';
import type { User, UserRepository } from '../accounts/repository';
import { hashPassword, passwordProblem, verifyAgainstDummy, verifyPassword } from './passwords';
import type { ChangePasswordInput, SetPasswordInput } from './schemas';
import { type PasswordTokenRepository, TOKEN_TTL_MINUTES } from './tokens';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
/** Password-reset mails per account and hour; past it the request is answered the same, and no mail leaves. */
export const RESET_MAILS_PER_HOUR = 3;

/** One message for every failure, so a login attempt never tells whether an e-mail exists. */
export const LOGIN_FAILED_MESSAGE = 'Adresse e-mail ou mot de passe incorrect. Après 5 essais infructueux, le compte est verrouillé 15 minutes.';

export type LoginResult =
  { ok: true; user: User } | { ok: false; message: string; reason: 'bad_credentials' | 'locked' | 'deactivated' | 'organisation_suspended' };

export class AuthService {
  private readonly db: Knex;
  private readonly users: UserRepository;
  private readonly tokens: PasswordTokenRepository;
  private readonly audit: AuditService;
  private readonly mailer: Mailer;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly secondFactorRoles: readonly Role[];

  constructor(deps: {
    db: Knex;
    users: UserRepository;
    tokens: PasswordTokenRepository;
    audit: AuditService;
    mailer: Mailer;
    clock: Clock;
    logger: Logger;
    baseUrl: string;
    secondFactorRoles?: readonly Role[];
  }) {
    this.db = deps.db;
    this.users = deps.users;
    this.tokens = deps.tokens;
    this.audit = deps.audit;
    this.mailer = deps.mailer;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.baseUrl = deps.baseUrl;
    this.secondFactorRoles = deps.secondFactorRoles ?? [];
  }

  /**
   * Checks a login. Unknown e-mail, wrong password and locked account all take an argon2
   * verification and give the same answer; the account is locked after 5 failures.
   */
  async authenticate(email: string, password: string, context: { ip?: string; requestId?: string }): Promise<LoginResult> {
    const now = this.clock.now();
    const user = await this.users.findForLogin(this.db, email);
    const failed = { ok: false as const, message: LOGIN_FAILED_MESSAGE };
    if (!user || !user.passwordHash) {
      await verifyAgainstDummy(password);
      this.logger.warn('login failed', { event: 'auth.login_failed', reason: 'unknown_account', ip: context.ip, requestId: context.requestId });
      return { ...failed, reason: 'bad_credentials' };
    }
    const passwordOk = await verifyPassword(user.passwordHash, password);
    const locked = user.lockedUntil !== null && user.lockedUntil > now;
    if (locked) {
      this.logger.warn('login refused', { event: 'auth.login_locked', userId: user.id, ip: context.ip, requestId: context.requestId });
      return { ...failed, reason: 'locked' };
    }
    if (!passwordOk) {
      await this.recordFailure(user, 'bad_password', context);
      return { ...failed, reason: 'bad_credentials' };
    }
    if (user.status !== 'active') {
      return { ok: false, reason: 'deactivated', message: 'Votre compte est désactivé. Adressez-vous à l’administrateur de votre organisation.' };
    }
    if (user.organisationStatus !== 'active') {
      return {
        ok: false,
        reason: 'organisation_suspended',
        message: 'L’accès de votre organisation à Entraide est suspendu. Adressez-vous à l’association.',
      };
    }
    if (this.secondFactorRoles.includes(user.role)) {
      // the failure count and the login date wait for the second factor
      this.logger.info('password accepted, second factor awaited', {
        event: 'auth.second_factor_awaited',
        userId: user.id,
        ip: context.ip,
        requestId: context.requestId,
      });
    } else {
      await this.users.recordSuccessfulLogin(this.db, user.id, now);
      this.logger.info('login succeeded', {
        event: 'auth.login_succeeded',
        userId: user.id,
        organisationId: user.organisationId,
        ip: context.ip,
        requestId: context.requestId,
      });
    }
    const fresh = await this.users.findById(this.db, { all: true }, user.id);
    return { ok: true, user: fresh as User };
  }

  /** A failed attempt (password or second factor) counts toward the lockout; true when it locks the account. */
  async recordFailure(user: Pick<User, 'id' | 'email' | 'firstName'>, reason: string, context: { ip?: string; requestId?: string }): Promise<boolean> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
    const count = await this.users.recordFailedLogin(this.db, user.id, now, MAX_FAILED_LOGINS, lockUntil);
    this.logger.warn('login failed', { event: 'auth.login_failed', reason, userId: user.id, ip: context.ip, requestId: context.requestId });
    if (count < MAX_FAILED_LOGINS) return false;
    if (count === MAX_FAILED_LOGINS) {
      const mailId = await this.mailer.queue(this.db, accountLockedMail(user.email, user.firstName, LOCK_MINUTES));
      await this.mailer.deliver([mailId]);
      this.logger.warn('account locked', { event: 'auth.account_locked', userId: user.id, ip: context.ip });
    }
    return true;
  }

  /** The user behind a session, or null when the account or its organisation may no longer log in. */
  async sessionUser(userId: string): Promise<User | null> {
    return mayUseSession(await this.users.findById(this.db, { all: true }, userId));
  }

  /**
   * The session store's read (src/http/session.ts): the live session `sid` and, in the same round
   * trip, the user it names as sessionUser would give it (null when that user may no longer log in).
   * Expiry is the store's own, by the wall clock, as express-session's stores do.
   */
  async sessionWithUser(sid: string): Promise<{ sess: unknown; userId: string | null; user: User | null } | null> {
    const found = await this.users.sessionWithUser(this.db, sid, new Date());
    if (!found) return null;
    const sess = typeof found.sess === 'string' ? (JSON.parse(found.sess) as unknown) : found.sess;
    const userId = (sess as { passport?: { user?: unknown } } | null)?.passport?.user;
    return { sess, userId: typeof userId === 'string' ? userId : null, user: mayUseSession(found.user) };
  }

  async changePassword(actor: Actor, input: ChangePasswordInput, currentSessionId: string): Promise<void> {
    const user = await this.users.findWithSecret(this.db, actor.userId);
    if (!user?.passwordHash) throw new NotFoundError();
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new ValidationError({ currentPassword: 'Le mot de passe actuel est incorrect' });
    }
    const problem = passwordProblem(input.newPassword, user.email);
    if (problem) throw new ValidationError({ newPassword: problem });
    if (await verifyPassword(user.passwordHash, input.newPassword)) {
      throw new ValidationError({ newPassword: 'Le nouveau mot de passe doit être différent de l’actuel' });
    }
    const hash = await hashPassword(input.newPassword);
    const mailId = await this.db.transaction(async (trx) => {
      await this.users.setPassword(trx, user.id, hash, this.clock.now());
      await this.users.destroySessions(trx, user.id, currentSessionId);
      await this.audit.record(trx, actor, {
        entityType: 'user',
        entityId: user.id,
        organisationId: user.organisationId,
        action: 'user.password_changed',
        before: null,
        after: null,
      });
      return this.mailer.queue(trx, passwordChangedMail(user.email, user.firstName));
    });
    await this.mailer.deliver([mailId]);
  }

  /** Self-service "mot de passe oublié": always the same answer, a mail only for an active account. */
  async requestPasswordReset(email: string, context: { ip?: string }): Promise<void> {
    const user = await this.users.findForLogin(this.db, email);
    if (!user || user.status !== 'active' || user.organisationStatus !== 'active') {
      this.logger.info('password reset requested for unknown or inactive account', { event: 'auth.reset_ignored', ip: context.ip });
      return;
    }
    const since = new Date(this.clock.now().getTime() - 3_600_000);
    if ((await this.tokens.issuedSince(this.db, user.id, 'reset', since)) >= RESET_MAILS_PER_HOUR) {
      this.logger.warn('password reset requests throttled', { event: 'auth.reset_throttled', scope: 'account', userId: user.id, ip: context.ip });
      return;
    }
    const mailId = await this.db.transaction(async (trx) => {
      const token = await this.tokens.issue(trx, user.id, 'reset', this.clock.now(), null);
      await this.audit.record(
        trx,
        { userId: null, name: `${user.firstName} ${user.lastName} (mot de passe oublié)` },
        {
          entityType: 'user',
          entityId: user.id,
          organisationId: user.organisationId,
          action: 'user.password_reset_requested',
        },
      );
      return this.mailer.queue(trx, passwordResetMail(user.email, user.firstName, this.setPasswordLink(token), TOKEN_TTL_MINUTES.reset));
    });
    await this.mailer.deliver([mailId]);
  }

  setPasswordLink(token: string): string {
    return `${this.baseUrl}/mot-de-passe/definir/${token}`;
  }

  /** The account a password link opens, or NotFound when the link is unknown, used or expired. */
  async userForToken(token: string): Promise<{ user: User; purpose: 'invitation' | 'reset' }> {
    const found = await this.tokens.findValid(this.db, token, this.clock.now());
    if (!found) throw new NotFoundError('Ce lien n’est plus valable : il a déjà servi ou il a expiré.');
    const user = await this.users.findById(this.db, { all: true }, found.userId);
    if (!user || user.status !== 'active') throw new NotFoundError('Ce lien n’est plus valable : il a déjà servi ou il a expiré.');
    return { user, purpose: found.purpose };
  }

  /** Sets the password from a one-time link; the link cannot be used twice, other sessions end. */
  async setPasswordWithToken(token: string, input: SetPasswordInput): Promise<User> {
    const { user } = await this.userForToken(token);
    const problem = passwordProblem(input.newPassword, user.email);
    if (problem) throw new ValidationError({ newPassword: problem });
    const hash = await hashPassword(input.newPassword);
    await this.db.transaction(async (trx) => {
      const found = await this.tokens.findValid(trx, token, this.clock.now());
      if (!found || !(await this.tokens.consume(trx, found.id, this.clock.now()))) {
        throw new NotFoundError('Ce lien n’est plus valable : il a déjà servi ou il a expiré.');
      }
      await this.users.setPassword(trx, user.id, hash, this.clock.now());
      await this.users.destroySessions(trx, user.id);
      await this.audit.record(
        trx,
        { userId: null, name: `${user.firstName} ${user.lastName} (lien à usage unique)` },
        {
          entityType: 'user',
          entityId: user.id,
          organisationId: user.organisationId,
          action: found.purpose === 'invitation' ? 'user.invitation_accepted' : 'user.password_reset',
        },
      );
    });
    return user;
  }
}

/** A user whose session still opens the extranet: active, in an active organisation, with a password. */
function mayUseSession(user: User | null): User | null {
  return user && user.status === 'active' && user.organisationStatus === 'active' && user.hasPassword ? user : null;
}
