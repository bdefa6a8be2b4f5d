import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { authenticator } from 'otplib';
import QRCode from 'qrcode';
import type { AuditService } from '../audit/service';
import type { Logger } from '../logger';
import { type Actor, type Role, scopeFor } from '../permissions';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import { verifyPassword } from './passwords';
import type { Clock } from '../shared/clock';
import type { User, UserRepository } from '../accounts/repository';
import type { AuthService } from './service';
import type { Mailer } from '../notifications/mailer';
import { enrolmentCodeMail, type SecondFactorChange, secondFactorChangedMail } from '../notifications/templates';
import { SecondFactorRepository } from './second-factor-repository';

/** How long the code page waits after a correct password before the password must be typed again. */
export const SECOND_FACTOR_PENDING_MINUTES = 5;
/** Enrolling takes longer (read a mail, install an app): the pending login waits this long then. */
export const ENROLMENT_PENDING_MINUTES = 20;
/** The code mailed before enrolment: lifetime, tries, and how often it may be sent again. */
export const ENROLMENT_CODE_MINUTES = 15;
export const ENROLMENT_CODE_TRIES = 3;
export const ENROLMENT_RESEND_SECONDS = 60;
export const ENROLMENT_MAILS_PER_HOUR = 5;
export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i). */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 12;

const STEP_SECONDS = 30;
const ISSUER = 'Entraide';

/** `recovered`: a recovery code opened the login (one fewer left). */
/** How long a successful re-authentication lets sensitive changes through (ASVS 3.7.1). */
export const REAUTH_MINUTES = 5;

/** What a successful re-authentication leaves: whose, and when (kept in the session). */
export interface IdentityProof {
  readonly userId: string;
  readonly at: number;
}

/** Refuses a sensitive change unless the actor re-authenticated in the last 5 minutes (the proof is theirs). */
export function checkIdentityProof(actor: Pick<Actor, 'userId'>, proof: IdentityProof | null | undefined, now: Date): void {
  if (!proof || proof.userId !== actor.userId || now.getTime() - proof.at > REAUTH_MINUTES * 60_000) {
    throw new ValidationError({ confirmPassword: 'Confirmez votre identité : saisissez votre mot de passe' });
  }
}

export type SecondFactorOutcome = 'accepted' | 'recovered' | 'wrong' | 'replayed' | 'locked';
export type EnrolmentCodeOutcome = 'accepted' | 'wrong' | 'expired' | 'locked';

/** A recovery code as typed (spaces, dashes, capitals forgiven), or null when it has not that shape. */
export function normaliseRecoveryCode(input: string): string | null {
  const v = input.replace(/[\s-]/g, '').toLowerCase();
  return new RegExp(`^[${RECOVERY_ALPHABET}]{${RECOVERY_LENGTH}}$`).test(v) ? v : null;
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** "c•••e@asso.test": enough for the person to recognise the address, not to learn it. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const shown = local.length <= 2 ? `${local.slice(0, 1)}•••` : `${local.slice(0, 1)}•••${local.slice(-1)}`;
  return `${shown}@${domain}`;
}

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
  private readonly db: Knex;
  private readonly users: UserRepository;
  private readonly auth: AuthService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly roles: readonly Role[];
  private readonly mailer: Mailer;
  private readonly codeKey: string;
  private readonly codes: SecondFactorRepository;

  constructor(deps: {
    db: Knex;
    users: UserRepository;
    auth: AuthService;
    audit: AuditService;
    clock: Clock;
    logger: Logger;
    roles: readonly Role[];
    mailer: Mailer;
    codeKey: string;
    codes?: SecondFactorRepository;
  }) {
    this.db = deps.db;
    this.users = deps.users;
    this.auth = deps.auth;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.roles = deps.roles;
    this.mailer = deps.mailer;
    this.codeKey = deps.codeKey;
    this.codes = deps.codes ?? new SecondFactorRepository();
  }

  get requiredRoles(): readonly Role[] {
    return this.roles;
  }

  /** Which of these users have enrolled a key. */
  enrolledAmong(userIds: string[]): Promise<Set<string>> {
    return this.codes.enrolledAmong(this.db, userIds);
  }

  async enrolledAt(userId: string): Promise<Date | null> {
    return (await this.users.secondFactor(this.db, userId)).enabledAt;
  }

  // --- the code mailed before enrolment: the password alone does not enrol a key ---

  private hashEnrolmentCode(userId: string, code: string): string {
    return createHmac('sha256', this.codeKey).update(`enrolment:${userId}:${code}`).digest('hex');
  }

  /**
   * Mails a 6-digit code to a user who must enrol a key (single use, 15 minutes, 3 tries, only a
   * keyed hash stored). Throttled: one mail a minute, five an hour; `throttled` then, nothing sent.
   */
  async sendEnrolmentCode(user: Pick<User, 'id' | 'email' | 'firstName'>, context: { ip?: string; requestId?: string }): Promise<'sent' | 'throttled'> {
    const now = this.clock.now();
    const recent = await this.codes.enrolmentMailsSince(this.db, user.id, new Date(now.getTime() - 3_600_000));
    if (recent.count >= ENROLMENT_MAILS_PER_HOUR || (recent.last && now.getTime() - recent.last.getTime() < ENROLMENT_RESEND_SECONDS * 1000)) {
      this.logger.warn('enrolment code not sent (throttled)', {
        event: 'auth.enrolment_code_throttled',
        userId: user.id,
        ip: context.ip,
        requestId: context.requestId,
      });
      return 'throttled';
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const mailId = await this.db.transaction(async (trx) => {
      await this.codes.issueEnrolmentCode(trx, user.id, this.hashEnrolmentCode(user.id, code), now, new Date(now.getTime() + ENROLMENT_CODE_MINUTES * 60_000));
      return this.mailer.queue(trx, enrolmentCodeMail(user.email, user.firstName, code, ENROLMENT_CODE_MINUTES));
    });
    await this.mailer.deliver([mailId]);
    this.logger.info('enrolment code mailed', { event: 'auth.enrolment_code_sent', userId: user.id, ip: context.ip, requestId: context.requestId });
    return 'sent';
  }

  /** Checks the mailed code; a wrong one counts toward the code's tries and the account's lockout. */
  async checkEnrolmentCode(actor: Actor, code: string): Promise<EnrolmentCodeOutcome> {
    const context = { ip: actor.ip, requestId: actor.requestId };
    const now = this.clock.now();
    const user = await this.users.findWithSecret(this.db, actor.userId);
    if (!user || user.status !== 'active' || (user.lockedUntil !== null && user.lockedUntil > now)) return 'locked';
    const live = await this.codes.liveEnrolmentCode(this.db, user.id, now);
    if (!live) return 'expired';
    const given = Buffer.from(this.hashEnrolmentCode(user.id, code));
    if (given.length === live.codeHash.length && timingSafeEqual(given, Buffer.from(live.codeHash))) {
      if (!(await this.codes.useEnrolmentCode(this.db, live.id, now))) return 'expired';
      this.logger.info('enrolment code accepted', { event: 'auth.enrolment_code_accepted', userId: user.id, ip: context.ip, requestId: context.requestId });
      return 'accepted';
    }
    const attempts = await this.codes.failEnrolmentCode(this.db, live.id, now, ENROLMENT_CODE_TRIES);
    if (await this.auth.recordFailure(user, 'bad_enrolment_code', context)) return 'locked';
    return attempts >= ENROLMENT_CODE_TRIES ? 'expired' : 'wrong';
  }

  // --- recovery codes ---

  /** Ten new single-use recovery codes (the previous ones stop working), returned once to be shown; audited. */
  async generateRecoveryCodes(actor: Actor, options: { notify: boolean } = { notify: true }): Promise<string[]> {
    const user = await this.users.findById(this.db, { all: true }, actor.userId);
    if (!user) throw new NotFoundError();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join(''),
    );
    const mailId = await this.db.transaction(async (trx) => {
      await this.codes.replaceRecoveryCodes(trx, user.id, codes.map(sha256), this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'user',
        entityId: user.id,
        organisationId: user.organisationId,
        action: 'user.recovery_codes_generated',
        before: null,
        after: null,
      });
      return options.notify ? this.notify(trx, user, 'recovery_codes') : null;
    });
    if (mailId) await this.mailer.deliver([mailId]);
    return codes.map((c) => c.replace(/(.{4})(?=.)/g, '$1-'));
  }

  remainingRecoveryCodes(userId: string): Promise<number> {
    return this.codes.remainingRecoveryCodes(this.db, userId);
  }

  /** Uses a recovery code of the user; audited, and the user is told by mail. */
  private async useRecoveryCode(actor: Actor, user: Pick<User, 'id' | 'organisationId' | 'email' | 'firstName'>, code: string): Promise<boolean> {
    const mailId = await this.db.transaction(async (trx) => {
      if (!(await this.codes.useRecoveryCode(trx, user.id, sha256(code), this.clock.now()))) return null;
      await this.audit.record(trx, actor, {
        entityType: 'user',
        entityId: user.id,
        organisationId: user.organisationId,
        action: 'user.recovery_code_used',
        before: null,
        after: null,
      });
      this.logger.warn('recovery code used', { event: 'auth.recovery_code_used', userId: user.id, ip: actor.ip, requestId: actor.requestId });
      return this.notify(trx, user, 'recovery_code_used');
    });
    if (!mailId) return false;
    await this.mailer.deliver([mailId]);
    return true;
  }

  /** Queues the mail telling the user of a change to their second factor (ASVS 2.2.3). */
  private notify(trx: Knex.Transaction, user: Pick<User, 'email' | 'firstName'>, change: SecondFactorChange): Promise<string> {
    return this.mailer.queue(trx, secondFactorChangedMail(user.email, user.firstName, change));
  }

  /**
   * Re-authentication before a sensitive change (ASVS 3.7.1): the password, and a current code (or
   * a recovery code) when the user has enrolled a key. Each failure counts toward the lockout.
   * Throws a ValidationError on the field at fault.
   */
  async confirmIdentity(actor: Actor, password: string | undefined, code: string | undefined, messages: { password?: string } = {}): Promise<void> {
    const context = { ip: actor.ip, requestId: actor.requestId };
    const now = this.clock.now();
    const passwordMessage = messages.password ?? 'Pour confirmer, saisissez votre mot de passe (il est incorrect ou manquant)';
    const user = await this.users.findWithSecret(this.db, actor.userId);
    if (!user?.passwordHash) throw new NotFoundError();
    if (user.lockedUntil !== null && user.lockedUntil > now) {
      throw new ValidationError({ confirmPassword: 'Trop d’essais infructueux : votre compte est verrouillé 15 minutes.' });
    }
    if (!password || !(await verifyPassword(user.passwordHash, password))) {
      await this.auth.recordFailure(user, 'reauth_bad_password', context);
      throw new ValidationError({ confirmPassword: passwordMessage });
    }
    const stored = await this.users.secondFactor(this.db, user.id);
    // a session opened before the role required a second factor (promotion, SECOND_FACTOR switched on) proves only a password
    if (this.requiredFor(user) && !(stored.enabledAt && stored.secret)) {
      throw new ValidationError({
        confirmPassword:
          'Votre rôle demande un second facteur que vous n’avez pas encore activé : déconnectez-vous puis reconnectez-vous pour l’activer, et recommencez.',
      });
    }
    if (stored.enabledAt && stored.secret) {
      const typed = (code ?? '').replace(/[\s-]/g, '');
      const recovery = /^\d{6}$/.test(typed) ? null : normaliseRecoveryCode(typed);
      let ok = false;
      if (recovery) ok = await this.useRecoveryCode(actor, user, recovery);
      else if (/^\d{6}$/.test(typed)) {
        const step = this.stepOf(typed, stored.secret, now);
        if (step !== null && !(await this.users.useSecondFactorStep(this.db, user.id, step))) {
          throw new ValidationError({ confirmCode: 'Ce code a déjà servi. Attendez le code suivant de votre application.' });
        }
        ok = step !== null;
      }
      if (!ok) {
        await this.auth.recordFailure(user, 'reauth_bad_second_factor', context);
        throw new ValidationError({
          confirmCode: 'Saisissez le code affiché maintenant par votre application, ou un code de secours (il est incorrect ou manquant)',
        });
      }
    }
    this.logger.info('identity confirmed', { event: 'auth.reauthenticated', userId: user.id, ip: context.ip, requestId: context.requestId });
  }

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
    const recovery = stored.enabledAt && !/^\d{6}$/.test(code) ? normaliseRecoveryCode(code) : null;
    if (recovery) {
      if (!(await this.useRecoveryCode(actor, user, recovery))) return (await this.auth.recordFailure(user, 'bad_recovery_code', context)) ? 'locked' : 'wrong';
      await this.users.recordSuccessfulLogin(this.db, user.id, now);
      this.logger.info('login succeeded', {
        event: 'auth.login_succeeded',
        secondFactor: 'recovery_code',
        userId: user.id,
        organisationId: user.organisationId,
        ip: context.ip,
        requestId: context.requestId,
      });
      return 'recovered';
    }
    const secret = stored.enabledAt ? stored.secret : (enrolSecret ?? null);
    const step = secret && /^\d{6}$/.test(code) ? this.stepOf(code, secret, now) : null;
    if (step === null) return (await this.auth.recordFailure(user, 'bad_second_factor', context)) ? 'locked' : 'wrong';
    if (stored.enabledAt) {
      if (!(await this.users.useSecondFactorStep(this.db, user.id, step))) {
        this.logger.warn('second factor code replayed', {
          event: 'auth.second_factor_replayed',
          userId: user.id,
          ip: context.ip,
          requestId: context.requestId,
        });
        return 'replayed';
      }
    } else {
      const mailId = await this.db.transaction(async (trx) => {
        if (!(await this.users.enableSecondFactor(trx, user.id, secret as string, step, now))) return null;
        await this.audit.record(trx, actor, {
          entityType: 'user',
          entityId: user.id,
          organisationId: user.organisationId,
          action: 'user.second_factor_enabled',
          before: null,
          after: null,
        });
        return this.notify(trx, user, 'enabled');
      });
      // another tab enrolled a key meanwhile: this code belongs to a key that is not the account's
      if (!mailId) return 'wrong';
      await this.mailer.deliver([mailId]);
    }
    await this.users.recordSuccessfulLogin(this.db, user.id, now);
    this.logger.info('login succeeded', {
      event: 'auth.login_succeeded',
      secondFactor: true,
      userId: user.id,
      organisationId: user.organisationId,
      ip: context.ip,
      requestId: context.requestId,
    });
    return 'accepted';
  }

  /** Forgets a user's key (lost phone): the next login enrols a new one. Audited. */
  async reset(actor: Actor | { userId: null; name: string }, who: { email: string } | { userId: string }): Promise<boolean> {
    const user = 'email' in who ? await this.users.findForLogin(this.db, who.email) : await this.users.findById(this.db, { all: true }, who.userId);
    if (!user) return false;
    const mailId = await this.db.transaction(async (trx) => {
      if (!(await this.users.resetSecondFactor(trx, user.id, this.clock.now()))) return null;
      await this.codes.deleteRecoveryCodes(trx, user.id);
      await this.audit.record(trx, actor, {
        entityType: 'user',
        entityId: user.id,
        organisationId: user.organisationId,
        action: 'user.second_factor_reset',
        before: null,
        after: null,
      });
      return this.notify(trx, user, 'reset');
    });
    if (!mailId) return false;
    await this.mailer.deliver([mailId]);
    return true;
  }

  /**
   * An association administrator resets a colleague's key from the account page (lost phone),
   * having just confirmed their identity (password and code, ASVS 3.7.1); nobody resets their own.
   */
  async resetByAdmin(actor: Actor, userId: string, confirmIdentity: () => Promise<IdentityProof>): Promise<boolean> {
    const scope = scopeFor(actor, 'users:manage');
    if (!scope.all) throw new ForbiddenError();
    const target = await this.users.findById(this.db, scope, userId);
    if (!target) throw new NotFoundError();
    if (target.id === actor.userId)
      throw new ValidationError({ confirmPassword: 'Vous ne pouvez pas réinitialiser votre propre second facteur : demandez-le à un autre administrateur' });
    checkIdentityProof(actor, await confirmIdentity(), this.clock.now());
    return this.reset(actor, { userId: target.id });
  }

  /** The time step a code belongs to (now or one step either side), or null when it matches none. */
  private stepOf(code: string, secret: string, now: Date): number | null {
    const delta = authenticator.clone({ epoch: now.getTime(), window: 1 }).checkDelta(code, secret);
    return delta === null ? null : Math.floor(now.getTime() / 1000 / STEP_SECONDS) + delta;
  }
}
