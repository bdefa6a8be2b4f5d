import { type Request, type RequestHandler, type Response, Router } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DatabaseRateLimitStore } from '../http/rate-limit-store';
import type passport from 'passport';
import { actor, requirePermission } from '../http/guards';
import { emptyForm, type FormState, postForm } from '../http/forms';
import type { Services } from '../services';
import { routes, safeReturnPath, urls } from '../urls';
import type { User } from '../accounts/repository';
import { changePasswordSchema, enrolmentCodeSchema, forgotPasswordSchema, identityFields, loginSchema, secondFactorSchema, setPasswordSchema } from './schemas';
import { ENROLMENT_CODE_MINUTES, ENROLMENT_PENDING_MINUTES, maskEmail, RECOVERY_CODE_COUNT, SECOND_FACTOR_PENDING_MINUTES } from './second-factor';
import { actorOf } from '../http/current-user';
import { ValidationError } from '../shared/errors';
import { PASSWORD_MIN_LENGTH } from './passwords';
import { identityGate } from './reauth';

/**
 * A callback's error as a rejection reason: an Error as it is (the error handler sees the same
 * object); anything else wrapped, its fields (status, code, message…) copied for the error handler.
 */
const asError = (reason: unknown): Error =>
  reason instanceof Error ? reason : Object.assign(new Error(String(reason), { cause: reason }), typeof reason === 'object' ? reason : {});

declare module 'express-session' {
  interface SessionData {
    /** A user who must enrol a key: when they proved they read the account's mail (mailed code or one-time link). */
    enrolment?: { userId: string; mailVerifiedAt?: number };
  }
}

/** Failed logins per account (e-mail) in 15 minutes, whatever the source address. */
export const ACCOUNT_FAILURES_PER_15_MIN = 10;
/** Forgotten-password requests per source address in 15 minutes (each request counts). */
export const RESET_REQUESTS_PER_15_MIN = 10;

/** The same answer to every forgotten-password request: known or unknown address, throttled or not. */
const RESET_ANSWER = 'Si un compte actif correspond à cette adresse, un courriel vient de lui être envoyé avec un lien valable 1 heure.';

const normalisedEmail = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.normalize('NFC').trim().toLowerCase() : null);

export function authRoutes(services: Services, passportInstance: passport.PassportStatic): Router {
  const router = Router();
  const { logger, clock } = services;
  const gate = identityGate(services);

  const tooMany = (message: string) => (req: Request, res: Response) => {
    logger.warn('rate limit reached', { event: 'security.rate_limited', path: req.path, ip: req.ip, requestId: req.id });
    res.status(429).render('errors/429', { message });
  };
  /** A limiter keyed by `key` (requests without one pass uncounted), or by source address. */
  const keyOf = (key: ((req: Request) => string | null) | undefined) =>
    key
      ? { keyGenerator: (req: Request) => key(req) ?? 'none', skip: (req: Request) => key(req) === null }
      : { keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? '') };
  const limiter = (
    name: string,
    limit: number,
    options: { key?: (req: Request) => string | null; countAll?: boolean; handler: (req: Request, res: Response) => void },
  ) =>
    rateLimit({
      windowMs: 15 * 60_000,
      limit,
      // counted in the database: every replica sees the same failures
      store: new DatabaseRateLimitStore(services.knex, `${name}:`, services.config.env !== 'test'),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // by default only failures count: a whole office behind one address can still log in
      skipSuccessfulRequests: !options.countAll,
      ...keyOf(options.key),
      handler: options.handler,
    });
  // failed logins per source address: high, so that one person behind an office's (or a proxy's) address does not lock everyone out
  const loginLimiter = limiter('login', services.config.loginRateLimitPer15Min, {
    handler: tooMany('Trop de tentatives depuis votre poste. Patientez quelques minutes avant de réessayer.'),
  });
  // failed logins per account, from any address: a password tried from many addresses is stopped too
  const accountLimiter = limiter('login-account', ACCOUNT_FAILURES_PER_15_MIN, {
    key: (req) => {
      const email = normalisedEmail((req.body as Record<string, unknown> | undefined)?.email);
      // the counter's key holds a digest, not the address itself
      if (email) return `email:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
      return req.session.secondFactor ? `user:${req.session.secondFactor.userId}` : null;
    },
    handler: tooMany('Trop de tentatives de connexion sur ce compte. Patientez quelques minutes avant de réessayer.'),
  });
  // forgotten password: every request counts per source address; past the limit the answer stays the same, no mail leaves
  const resetLimiter = limiter('reset', RESET_REQUESTS_PER_15_MIN, {
    countAll: true,
    handler: (req, res) => {
      logger.warn('password reset requests throttled', { event: 'auth.reset_throttled', scope: 'address', ip: req.ip, requestId: req.id });
      req.flash('info', RESET_ANSWER);
      res.redirect(urls.login());
    },
  });

  const renderLogin = (req: Request, res: Response, form: FormState) => res.render('auth/login', { form, loggedOut: req.query.deconnecte === '1' });

  router.get(urls.login(), (req, res) => {
    if (req.actor) return res.redirect(urls.home());
    renderLogin(req, res, emptyForm(req));
  });

  /** A new session (no fixation) waiting for the second factor of `user`; a user still to enrol is mailed a code. */
  const awaitSecondFactor = async (
    req: Request,
    res: Response,
    user: User,
    carry: { returnTo?: string | undefined; savedForm?: typeof req.session.savedForm },
    mailVerified: boolean,
    flash?: string,
  ) => {
    const enrolled = await services.secondFactor.enrolled(user.id);
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(asError(err)) : resolve())));
    const now = clock.now().getTime();
    req.session.secondFactor = { userId: user.id, startedAt: now };
    req.session.returnTo = carry.returnTo;
    req.session.savedForm = carry.savedForm;
    if (!enrolled) {
      req.session.enrolment = { userId: user.id, ...(mailVerified ? { mailVerifiedAt: now } : {}) };
      if (!mailVerified) await services.secondFactor.sendEnrolmentCode(user, { ip: req.ip, requestId: req.id });
    }
    if (flash) req.flash('success', flash);
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(asError(err)) : resolve())));
    res.redirect(urls.secondFactor());
  };

  router.post(urls.login(), loginLimiter, accountLimiter);
  postForm(router, urls.login(), logger, {
    permission: null,
    schema: loginSchema,
    render: renderLogin,
    handle: (req, res) =>
      new Promise<void>((resolve, reject) => {
        const returnTo = req.session.returnTo;
        const savedForm = req.session.savedForm;
        const authenticate = passportInstance.authenticate('local', (err: unknown, user: User | false, info?: { message?: string }) => {
          if (err) return reject(asError(err));
          if (!user) {
            res.status(401);
            renderLogin(req, res, {
              values: { email: (req.body as { email?: unknown }).email },
              errors: { _form: info?.message ?? '' },
              errorSummary: [{ href: '#email', text: info?.message ?? '' }],
            });
            return resolve();
          }
          // the password is right; for these roles the login waits for the code
          if (services.secondFactor.requiredFor(user)) return awaitSecondFactor(req, res, user, { returnTo, savedForm }, false).then(resolve, reject);
          logIn(req, res, user, { returnTo, savedForm }).then(resolve, reject);
        }) as RequestHandler;
        authenticate(req, res, reject);
      }),
  });

  /**
   * Opens the session of a user whose login is complete: passport regenerates it (no fixation); where
   * to go and what was typed carry over. `recoveryCodes`, just generated at enrolment, are shown
   * once instead of redirecting.
   */
  const logIn = (
    req: Request,
    res: Response,
    user: User,
    carry: { returnTo?: string | undefined; savedForm?: typeof req.session.savedForm },
    then: { recoveryCodes?: string[]; flash?: { kind: 'info' | 'warning'; text: string } } = {},
  ) =>
    new Promise<void>((resolve, reject) => {
      req.logIn(user, (loginErr) => {
        if (loginErr) return reject(asError(loginErr));
        const now = clock.now().getTime();
        req.session.authenticatedAt = now;
        req.session.lastSeenAt = now;
        req.session.savedForm = carry.savedForm;
        if (then.flash) req.flash(then.flash.kind, then.flash.text);
        if (then.recoveryCodes) {
          req.session.returnTo = safeReturnPath(carry.returnTo) ?? urls.home();
          res.render('auth/recovery-codes', { codes: then.recoveryCodes, enrolment: true });
        } else {
          res.redirect(safeReturnPath(carry.returnTo) ?? urls.home());
        }
        resolve();
      });
    });

  // --- second factor (TOTP) of the roles in SECOND_FACTOR_ROLES ---

  /** The user whose password was accepted a moment ago, or null (nothing pending, too late, account gone). */
  const pendingUser = async (req: Request): Promise<User | null> => {
    const pending = req.session.secondFactor;
    if (!pending) return null;
    const minutes = req.session.enrolment?.userId === pending.userId ? ENROLMENT_PENDING_MINUTES : SECOND_FACTOR_PENDING_MINUTES;
    if (clock.now().getTime() - pending.startedAt > minutes * 60_000) return null;
    return services.auth.sessionUser(pending.userId);
  };
  /** The pending user proved, by a mailed code or a one-time link, that they read the account's mail. */
  const mailVerified = (req: Request, user: User) => req.session.enrolment?.userId === user.id && req.session.enrolment.mailVerifiedAt !== undefined;
  const backToLogin = (req: Request, res: Response, text: string) => {
    req.session.secondFactor = undefined;
    req.session.enrolment = undefined;
    req.flash('info', text);
    res.redirect(urls.login());
  };
  const LOCKED = 'Trop d’essais infructueux : le compte est verrouillé 15 minutes.';
  const renderSecondFactor = async (req: Request, res: Response, form: FormState) => {
    const user = await pendingUser(req);
    if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
    const pending = req.session.secondFactor as NonNullable<typeof req.session.secondFactor>;
    const view = {
      form: { ...form, values: {} },
      stage: 'code',
      enrolment: null as unknown,
      maskedEmail: maskEmail(user.email),
      codeMinutes: ENROLMENT_CODE_MINUTES,
    };
    if (!(await services.secondFactor.enrolled(user.id))) {
      if (!mailVerified(req, user)) {
        view.stage = 'mail';
      } else {
        view.stage = 'enrol';
        pending.secret ??= services.secondFactor.newSecret();
        view.enrolment = await services.secondFactor.enrolment(user.email, pending.secret);
      }
    }
    res.render('auth/second-factor', view);
  };

  router.get(urls.secondFactor(), (req, res) => renderSecondFactor(req, res, emptyForm(req)));

  // enrolment, first step: the 6-digit code mailed to the account's address
  router.post(urls.secondFactorMailCode(), loginLimiter, accountLimiter);
  postForm(router, urls.secondFactorMailCode(), logger, {
    permission: null,
    schema: enrolmentCodeSchema,
    render: renderSecondFactor,
    handle: async (req, res, data) => {
      const user = await pendingUser(req);
      if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
      if ((await services.secondFactor.enrolled(user.id)) || mailVerified(req, user)) return res.redirect(urls.secondFactor());
      const outcome = await services.secondFactor.checkEnrolmentCode(actorOf(user, req.ip, req.id), data.code);
      if (outcome === 'wrong') throw new ValidationError({ code: 'Ce code est incorrect. Saisissez le code du dernier courriel reçu.' });
      if (outcome === 'expired')
        throw new ValidationError({ code: 'Ce code n’est plus valable (expiré, déjà utilisé ou trop d’essais) : demandez un nouveau code.' });
      if (outcome === 'locked') return backToLogin(req, res, LOCKED);
      req.session.enrolment = { userId: user.id, mailVerifiedAt: clock.now().getTime() };
      res.redirect(urls.secondFactor());
    },
  });
  postForm(router, urls.secondFactorResend(), logger, {
    permission: null,
    schema: z.object({}),
    render: renderSecondFactor,
    handle: async (req, res) => {
      const user = await pendingUser(req);
      if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
      if (!(await services.secondFactor.enrolled(user.id)) && !mailVerified(req, user)) {
        const sent = await services.secondFactor.sendEnrolmentCode(user, { ip: req.ip, requestId: req.id });
        req.flash(
          sent === 'sent' ? 'success' : 'warning',
          sent === 'sent'
            ? 'Un nouveau code vient de vous être envoyé.'
            : 'Un code vous a été envoyé il y a moins d’une minute, ou trop de codes ont été demandés : patientez avant d’en demander un autre.',
        );
      }
      res.redirect(urls.secondFactor());
    },
  });

  router.post(urls.secondFactor(), loginLimiter, accountLimiter);
  postForm(router, urls.secondFactor(), logger, {
    permission: null,
    schema: secondFactorSchema,
    render: renderSecondFactor,
    handle: async (req, res, data) => {
      const user = await pendingUser(req);
      if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
      const pending = req.session.secondFactor as NonNullable<typeof req.session.secondFactor>;
      const enrolled = await services.secondFactor.enrolled(user.id);
      // no key is enrolled on the strength of the password alone
      if (!enrolled && (!mailVerified(req, user) || !pending.secret)) return res.redirect(urls.secondFactor());
      const a = actorOf(user, req.ip, req.id);
      const outcome = await services.secondFactor.verify(a, data.code, enrolled ? undefined : pending.secret);
      if (outcome === 'wrong')
        throw new ValidationError({ code: 'Ce code est incorrect. Vérifiez l’heure de votre téléphone et saisissez le code affiché maintenant.' });
      if (outcome === 'replayed') throw new ValidationError({ code: 'Ce code a déjà servi. Attendez le code suivant de votre application.' });
      if (outcome === 'locked') return backToLogin(req, res, LOCKED);
      const carry = { returnTo: req.session.returnTo, savedForm: req.session.savedForm };
      if (outcome === 'recovered') {
        const left = await services.secondFactor.remainingRecoveryCodes(user.id);
        const text = `Code de secours accepté : il ne servira plus. Il vous en reste ${left}.${left <= 2 ? ' Générez-en de nouveaux depuis « Mon compte ».' : ''}`;
        return logIn(req, res, user, carry, { flash: { kind: left > 2 ? 'info' : 'warning', text } });
      }
      // a key enrolled just now: the recovery codes are shown once
      await logIn(req, res, user, carry, enrolled ? {} : { recoveryCodes: await services.secondFactor.generateRecoveryCodes(a, { notify: false }) });
    },
  });

  router.post(urls.logout(), (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => {
        res.clearCookie('entraide.sid');
        res.redirect(`${urls.login()}?deconnecte=1`);
      });
    });
  });

  // --- forgotten password (self-service) and one-time links ---

  const renderForgot = (_req: Request, res: Response, form: FormState) => res.render('auth/forgot-password', { form });
  router.get(urls.forgotPassword(), (req, res) => renderForgot(req, res, emptyForm(req)));
  router.post(urls.forgotPassword(), resetLimiter);
  postForm(router, urls.forgotPassword(), logger, {
    permission: null,
    schema: forgotPasswordSchema,
    render: renderForgot,
    handle: async (req, res, data) => {
      await services.auth.requestPasswordReset(data.email, { ip: req.ip });
      req.flash('info', RESET_ANSWER);
      res.redirect(urls.login());
    },
  });

  const renderSetPassword = async (req: Request, res: Response, form: FormState) => {
    const { user, purpose } = await services.auth.userForToken(String(req.params.token));
    res.render('auth/set-password', { form, email: user.email, purpose, minLength: PASSWORD_MIN_LENGTH });
  };
  router.get(routes.setPassword, (req, res) => renderSetPassword(req, res, emptyForm(req)));
  postForm(router, routes.setPassword, logger, {
    permission: null,
    schema: setPasswordSchema,
    render: renderSetPassword,
    handle: async (req, res, data) => {
      const user = await services.auth.setPasswordWithToken(String(req.params.token), data);
      if (services.secondFactor.requiredFor(user) && !(await services.secondFactor.enrolled(user.id))) {
        // the one-time link proved the mailbox: the second factor is enrolled right away
        return awaitSecondFactor(
          req,
          res,
          user,
          {},
          true,
          'Votre mot de passe est enregistré. Votre rôle demande aussi un second facteur : activez-le maintenant.',
        );
      }
      req.flash('success', 'Votre mot de passe est enregistré. Vous pouvez vous connecter.');
      res.redirect(urls.login());
    },
  });

  // --- my account ---

  router.get(urls.account(), ...requirePermission('account:manage'), async (req, res) => {
    const a = actor(req);
    const me = await services.users.me(a);
    const enrolledAt = await services.secondFactor.enrolledAt(a.userId);
    res.render('account/show', {
      me,
      secondFactor: {
        required: services.secondFactor.requiredFor(a),
        enrolledAt,
        recoveryLeft: enrolledAt ? await services.secondFactor.remainingRecoveryCodes(a.userId) : 0,
      },
    });
  });

  const renderChangePassword = (_req: Request, res: Response, form: FormState) => res.render('account/password', { form, minLength: PASSWORD_MIN_LENGTH });
  router.get(urls.accountPassword(), ...requirePermission('account:manage'), (req, res) => renderChangePassword(req, res, emptyForm(req)));
  postForm(router, urls.accountPassword(), logger, {
    permission: 'account:manage',
    schema: changePasswordSchema,
    render: renderChangePassword,
    handle: async (req, res, data) => {
      await services.auth.changePassword(actor(req), data, req.session.id);
      req.flash('success', 'Votre mot de passe a été modifié. Vos autres sessions ont été fermées.');
      res.redirect(urls.account());
    },
  });

  // recovery codes: regenerated after re-authentication, shown once
  const renderRecovery = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    if (!(await services.secondFactor.enrolled(a.userId))) {
      req.flash('info', 'Les codes de secours accompagnent le second facteur : il n’est pas activé sur votre compte.');
      return res.redirect(urls.account());
    }
    res.render('account/recovery-codes', {
      form,
      left: await services.secondFactor.remainingRecoveryCodes(a.userId),
      count: RECOVERY_CODE_COUNT,
      reauth: await gate.prompt(req),
    });
  };
  router.get(urls.accountRecoveryCodes(), ...requirePermission('account:manage'), (req, res) => renderRecovery(req, res, emptyForm(req)));
  postForm(router, urls.accountRecoveryCodes(), logger, {
    permission: 'account:manage',
    schema: z.object(identityFields),
    render: renderRecovery,
    handle: async (req, res) => {
      const a = actor(req);
      if (!(await services.secondFactor.enrolled(a.userId))) return renderRecovery(req, res, emptyForm(req));
      await gate.confirm(req);
      res.render('auth/recovery-codes', { codes: await services.secondFactor.generateRecoveryCodes(a), enrolment: false });
    },
  });
  postForm(router, urls.recoveryCodesNoted(), logger, {
    permission: 'account:manage',
    schema: z.object({}),
    render: (_req, res) => res.redirect(urls.account()),
    handle: async (req, res) => {
      const to = safeReturnPath(req.session.returnTo) ?? urls.account();
      req.session.returnTo = undefined;
      res.redirect(to);
    },
  });

  return router;
}
