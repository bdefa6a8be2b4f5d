import { type Request, type Response, Router } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { csrfProtection } from '../http/csrf';
import { flash } from '../http/flash';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { DatabaseRateLimitStore } from '../http/rate-limit-store';
import { sendAttachment } from '../http/download';
import type { Services } from '../services';
import { householdSatisfactionRoutes } from './satisfaction/routes';
import { householdDocumentsRoutes } from './documents/routes';
import { householdConsentRoutes } from './consent/routes';
import { routes, urls } from '../urls';
import { householdActor } from './actor';
import { householdBookingRoutes } from './booking/routes';
import { HOUSEHOLD_RIGHTS, askLinkSchema, codeSchema, rightSchema } from './schemas';
import { HOUSEHOLD_PATH, householdSessionActor, householdSessionMiddleware, requireHousehold } from './session';

/** Link requests from one address in 15 minutes (whatever the e-mails typed). */
export const ASK_LINK_PER_15_MIN = 10;
const ASK_ANSWER =
  'Si cette adresse est connue, un lien vers votre espace vient de vous être envoyé. Regardez vos courriels (et les indésirables). Sinon, contactez votre bailleur.';

/**
 * Everything a household reaches, all under /mon-espace: its own session cookie (path
 * /mon-espace), its own CSRF cookie, its own 404. The extranet's session, passport and guards
 * never run here, and the household's cookie never reaches an extranet page.
 *
 * Each feature adds its router on one line below (full paths from src/urls.ts, each protected
 * by requireHousehold unless public).
 */
export function householdSpaceRoutes(services: Services): Router {
  const router = Router();
  const { config, logger } = services;
  const csrf = csrfProtection(config, { cookieName: 'entraide.menage.csrf', path: HOUSEHOLD_PATH });
  router.use(HOUSEHOLD_PATH, householdSessionMiddleware(services.knex, config, { cleanup: config.env !== 'test' }));
  router.use(HOUSEHOLD_PATH, flash);
  router.use(
    HOUSEHOLD_PATH,
    householdSessionActor(services.clock, (actor) => services.householdSpace.access.stillValid(actor)),
  );
  router.use(HOUSEHOLD_PATH, csrf.exposeToken);
  router.use(HOUSEHOLD_PATH, csrf.protect);
  router.use(HOUSEHOLD_PATH, (req, _res, next) => {
    req.checkCsrf = () => csrf.validate(req);
    req.screenUploads = (files, route) => services.uploadScreen.screen(files, route);
    next();
  });

  accessRoutes(router, services);
  dossierRoutes(router, services);
  // — feature routers (one line each) —
  router.use(householdBookingRoutes(services));
  router.use(householdDocumentsRoutes(services));
  router.use(householdSatisfactionRoutes(services));
  router.use(householdConsentRoutes(services));

  // an unknown page of the space: its own 404 (the extranet's pages and guards never answer here)
  router.use(HOUSEHOLD_PATH, (_req, res) => {
    res.status(404).render('household/not-found');
  });
  void logger;
  return router;
}

/** The door: ask for a link (public), open a link, receive and type the code, leave. */
function accessRoutes(router: Router, services: Services): void {
  const { householdSpace, logger } = services;
  const askLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: ASK_LINK_PER_15_MIN,
    store: new DatabaseRateLimitStore(services.knex, 'household-link:', services.config.env !== 'test'),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? ''),
    handler: (req: Request, res: Response) => {
      logger.warn('household link requests throttled', { event: 'household.link_throttled', scope: 'address', ip: req.ip, requestId: req.id });
      req.flash('info', ASK_ANSWER);
      res.redirect(urls.householdAccess());
    },
  });
  const renderAccess = (req: Request, res: Response, form: FormState) => res.render('household/access', { form });
  router.get(routes.householdAccess, (req, res) => {
    if (req.household) return res.redirect(urls.householdHome());
    renderAccess(req, res, emptyForm(req));
  });
  router.post(routes.householdAccess, askLimiter);
  postForm(router, routes.householdAccess, logger, {
    permission: null,
    schema: askLinkSchema,
    render: renderAccess,
    handle: async (req, res, data) => {
      await householdSpace.access.askForLink(data.email, { ip: req.ip });
      req.flash('info', ASK_ANSWER);
      res.redirect(urls.householdAccess());
    },
  });

  const token = (req: Request) => String(req.params.token);
  const renderLink = async (req: Request, res: Response, form: FormState) => {
    const page = await householdSpace.access.linkPage(token(req));
    res.render('household/link', { page, form, token: token(req) });
  };
  router.get(routes.householdLink, async (req, res) => renderLink(req, res, emptyForm(req)));
  postForm(router, routes.householdLinkCode, logger, {
    permission: null,
    schema: z.object({}),
    render: renderLink,
    handle: async (req, res) => {
      await householdSpace.access.sendCode(token(req), { ip: req.ip });
      req.flash('success', 'Un code vient de vous être envoyé par courriel. Saisissez-le ci-dessous.');
      res.redirect(urls.householdLink(token(req)));
    },
  });
  postForm(router, routes.householdLinkVerify, logger, {
    permission: null,
    schema: codeSchema,
    render: renderLink,
    handle: async (req, res, data) => {
      const actor = await householdSpace.access.verifyCode(token(req), data.accessCode, { ip: req.ip, requestId: req.id });
      const now = services.clock.now().getTime();
      // a new session id at entry (no fixation), then the person in it
      await new Promise<void>((resolve, reject) =>
        req.session.regenerate((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
      );
      req.session.householdActor = { ...actor, openedAt: now, lastSeenAt: now };
      req.flash('success', 'Bienvenue dans votre espace.');
      res.redirect(urls.householdHome());
    },
  });
  postForm(router, routes.householdLogout, logger, {
    permission: null,
    schema: z.object({}),
    render: (_req, res) => res.redirect(urls.householdAccess()),
    handle: async (req, res) => {
      await new Promise<void>((resolve, reject) =>
        req.session.regenerate((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
      );
      req.flash('info', 'Vous êtes sorti de votre espace. À bientôt.');
      res.redirect(urls.householdAccess());
    },
  });
}

/** The household's own dossier: home, a request, a decision letter, a mission, its rights. */
function dossierRoutes(router: Router, services: Services): void {
  const { householdSpace, logger } = services;
  router.get(routes.householdHome, requireHousehold, async (req, res) => {
    const actor = householdActor(req);
    res.render('household/home', { ...(await householdSpace.dossier.home(actor)), consentsToSign: await services.consentSignatures.pendingFor(actor) });
  });
  router.get(routes.householdRequest, requireHousehold, async (req, res) => {
    res.render('household/request', await householdSpace.dossier.request(householdActor(req), String(req.params.requestId)));
  });
  router.get(routes.householdRequestLetter, requireHousehold, async (req, res) => {
    const letter = await householdSpace.dossier.letter(householdActor(req), String(req.params.requestId), String(req.params.letterId));
    sendAttachment(res, letter.filename, 'application/pdf', letter.data);
  });
  router.get(routes.householdMission, requireHousehold, async (req, res) => {
    res.render('household/mission', await householdSpace.dossier.mission(householdActor(req), String(req.params.missionId)));
  });
  const renderRights = (_req: Request, res: Response, form: FormState) =>
    res.render('household/rights', { form, rights: Object.entries(HOUSEHOLD_RIGHTS).map(([value, text]) => ({ value, text })) });
  router.get(routes.householdRights, requireHousehold, (req, res) => renderRights(req, res, emptyForm(req)));
  router.post(routes.householdRights, requireHousehold);
  postForm(router, routes.householdRights, logger, {
    permission: null,
    schema: rightSchema,
    render: renderRights,
    handle: async (req, res, data) => {
      await householdSpace.dossier.askRight(householdActor(req), { kind: data.kind, details: data.details ?? null });
      req.flash('success', 'Votre demande est enregistrée. L’association vous répondra dans un délai d’un mois.');
      res.redirect(urls.householdRights());
    },
  });
}
