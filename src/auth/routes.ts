import { type Request, type Response, Router } from 'express';
import rateLimit from 'express-rate-limit';
import { DatabaseRateLimitStore } from '../http/rate-limit-store';
import type passport from 'passport';
import { actor, requirePermission } from '../http/guards';
import { emptyForm, type FormState, postForm } from '../http/forms';
import type { Services } from '../services';
import { routes, safeReturnPath, urls } from '../urls';
import type { User } from '../users/repository';
import { changePasswordSchema, forgotPasswordSchema, loginSchema, secondFactorSchema, setPasswordSchema } from './schemas';
import { SECOND_FACTOR_PENDING_MINUTES } from './second-factor';
import { actorOf } from '../http/current-user';
import { ValidationError } from '../shared/errors';
import { PASSWORD_MIN_LENGTH } from './passwords';

export function authRoutes(services: Services, passportInstance: passport.PassportStatic): Router {
  const router = Router();
  const { logger, clock } = services;

  const limitPerIp = (name: string, limit: number) =>
    rateLimit({
      windowMs: 15 * 60_000,
      limit,
      // counted in the database: every replica sees the same failures
      store: new DatabaseRateLimitStore(services.knex, `${name}:`, services.config.env !== 'test'),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skipSuccessfulRequests: true, // only failures count: a whole office behind one address can still log in
      handler: (req, res) => {
        logger.warn('rate limit reached', { event: 'security.rate_limited', path: req.path, ip: req.ip, requestId: req.id });
        res.status(429).render('errors/429', { message: 'Trop de tentatives depuis votre poste. Patientez quelques minutes avant de réessayer.' });
      },
    });
  const loginLimiter = limitPerIp('login', services.config.loginRateLimitPer15Min);
  const resetLimiter = limitPerIp('reset', 10);

  const renderLogin = (req: Request, res: Response, form: FormState) =>
    res.render('auth/login', { form, loggedOut: req.query.deconnecte === '1' });

  router.get(urls.login(), (req, res) => {
    if (req.actor) return res.redirect(urls.home());
    renderLogin(req, res, emptyForm(req));
  });

  router.post(urls.login(), loginLimiter);
  postForm(router, urls.login(), logger, {
    permission: null,
    schema: loginSchema,
    render: renderLogin,
    handle: (req, res) =>
      new Promise<void>((resolve, reject) => {
        const returnTo = req.session.returnTo;
        const savedForm = req.session.savedForm;
        passportInstance.authenticate('local', (err: unknown, user: User | false, info?: { message?: string }) => {
          if (err) return reject(err);
          if (!user) {
            res.status(401);
            renderLogin(req, res, { values: { email: req.body.email }, errors: { _form: info?.message ?? '' }, errorSummary: [{ href: '#email', text: info?.message ?? '' }] });
            return resolve();
          }
          if (services.secondFactor.requiredFor(user)) {
            // the password is right; the login waits for the code, in a new session (no fixation)
            req.session.regenerate((regenErr) => {
              if (regenErr) return reject(regenErr);
              req.session.secondFactor = { userId: user.id, startedAt: clock.now().getTime() };
              req.session.returnTo = returnTo;
              req.session.savedForm = savedForm;
              req.session.save((saveErr) => (saveErr ? reject(saveErr) : (res.redirect(urls.secondFactor()), resolve())));
            });
            return;
          }
          logIn(req, res, user, { returnTo, savedForm }).then(resolve, reject);
        })(req, res, reject);
      }),
  });

  /** Opens the session of a user whose login is complete: passport regenerates it (no fixation); where to go and what was typed carry over. */
  const logIn = (req: Request, res: Response, user: User, carry: { returnTo?: string | undefined; savedForm?: typeof req.session.savedForm }) =>
    new Promise<void>((resolve, reject) => {
      req.logIn(user, (loginErr) => {
        if (loginErr) return reject(loginErr);
        const now = clock.now().getTime();
        req.session.authenticatedAt = now;
        req.session.lastSeenAt = now;
        req.session.savedForm = carry.savedForm;
        res.redirect(safeReturnPath(carry.returnTo) ?? urls.home());
        resolve();
      });
    });

  // --- second factor of association administrators (TOTP) ---

  /** The user whose password was accepted a moment ago, or null (nothing pending, too late, account gone). */
  const pendingUser = async (req: Request): Promise<User | null> => {
    const pending = req.session.secondFactor;
    if (!pending) return null;
    if (clock.now().getTime() - pending.startedAt > SECOND_FACTOR_PENDING_MINUTES * 60_000) return null;
    return services.auth.sessionUser(pending.userId);
  };
  const backToLogin = (req: Request, res: Response, text: string) => {
    req.session.secondFactor = undefined;
    req.flash('info', text);
    res.redirect(urls.login());
  };
  const renderSecondFactor = async (req: Request, res: Response, form: FormState) => {
    const user = await pendingUser(req);
    if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
    const pending = req.session.secondFactor as NonNullable<typeof req.session.secondFactor>;
    let enrolment = null;
    if (!(await services.secondFactor.enrolled(user.id))) {
      pending.secret ??= services.secondFactor.newSecret();
      enrolment = await services.secondFactor.enrolment(user.email, pending.secret);
    }
    res.render('auth/second-factor', { form: { ...form, values: {} }, enrolment });
  };

  router.get(urls.secondFactor(), (req, res) => renderSecondFactor(req, res, emptyForm(req)));
  router.post(urls.secondFactor(), loginLimiter);
  postForm(router, urls.secondFactor(), logger, {
    permission: null,
    schema: secondFactorSchema,
    render: renderSecondFactor,
    handle: async (req, res, data) => {
      const user = await pendingUser(req);
      if (!user) return backToLogin(req, res, 'Saisissez de nouveau votre mot de passe.');
      const pending = req.session.secondFactor as NonNullable<typeof req.session.secondFactor>;
      const outcome = await services.secondFactor.verify(actorOf(user, req.ip, req.id), data.code, pending.secret);
      if (outcome === 'wrong') throw new ValidationError({ code: 'Ce code est incorrect. Vérifiez l’heure de votre téléphone et saisissez le code affiché maintenant.' });
      if (outcome === 'replayed') throw new ValidationError({ code: 'Ce code a déjà servi. Attendez le code suivant de votre application.' });
      if (outcome === 'locked') return backToLogin(req, res, 'Trop d’essais infructueux : le compte est verrouillé 15 minutes.');
      await logIn(req, res, user, { returnTo: req.session.returnTo, savedForm: req.session.savedForm });
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
      req.flash('info', 'Si un compte actif correspond à cette adresse, un courriel vient de lui être envoyé avec un lien valable 1 heure.');
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
      await services.auth.setPasswordWithToken(String(req.params.token), data);
      req.flash('success', 'Votre mot de passe est enregistré. Vous pouvez vous connecter.');
      res.redirect(urls.login());
    },
  });

  // --- my account ---

  router.get(urls.account(), ...requirePermission('account:manage'), async (req, res) => {
    const me = await services.users.me(actor(req));
    res.render('account/show', { me });
  });

  const renderChangePassword = (_req: Request, res: Response, form: FormState) =>
    res.render('account/password', { form, minLength: PASSWORD_MIN_LENGTH });
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

  return router;
}
