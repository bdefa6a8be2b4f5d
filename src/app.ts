import path from 'node:path';
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { authRoutes } from './auth/routes';
import { configurePassport } from './auth/passport';
import { healthRoutes } from './health/routes';
import { homeRoutes } from './home/routes';
import { csrfProtection } from './http/csrf';
import { currentUser } from './http/current-user';
import { errorHandler, notFound } from './http/errors';
import { flash } from './http/flash';
import { requestId } from './http/request-id';
import { reenterRequestContext, requestLog } from './http/request-log';
import { metricsRoutes } from './monitoring/routes';
import { noStore, securityHeaders } from './http/security';
import { sessionMiddleware, sessionTimeouts } from './http/session';
import { configureViews } from './http/views';
import { areaRouters } from './http/area-routers';
import { LABELS } from './labels';
import { refuseControlCharacters } from './http/control-characters';
import { notificationRoutes } from './notifications/routes';
import { duplicateRoutes } from './households/duplicates/routes';
import { householdRoutes } from './households/routes';
import { aidTypeRoutes } from './aid-types/routes';
import { aidRequestRoutes } from './aid-requests/filing/routes';
import { instructionRoutes } from './aid-requests/instruction/routes';
import { requestListRoutes } from './aid-requests/lists/routes';
import { requestPageRoutes } from './aid-requests/page-routes';
import { eSignatureRoutes } from './e-signature/extranet-routes';
import { dashboardRoutes } from './dashboard/routes';
import { statisticsRoutes } from './statistics/routes';
import { satisfactionRoutes } from './satisfaction/routes';
import { reportRoutes } from './reports/routes';
import { selfAuditRoutes } from './self-audit/routes';
import { fundRoutes } from './funds/routes';
import { settingsRoutes } from './settings/routes';
import { paymentRoutes } from './payments/routes';
import { accountRoutes } from './payments/accounts/routes';
import { rightsRoutes } from './rights/routes';
import { assistanceRoutes } from './assistance/routes';
import { funderRoutes } from './funder/routes';
import { exchangesRoutes } from './funder/exchanges/routes';
import { funderBillingRoutes } from './funder/billing/routes';
import { jobRoutes } from './jobs/routes';
import { accountingRoutes } from './accounting/routes';
import { missionAdminRoutes } from './missions/admin-routes';
import { availabilityRoutes } from './missions/availability/routes';
import { appointmentLinkRoutes } from './missions/appointments/link-routes';
import { householdSpaceRoutes } from './household-space/routes';
import { householdStaffRoutes } from './household-space/staff-routes';
import { missionRoutes } from './missions/routes';
import { organisationRoutes } from './organisations/routes';
import { PROJECT_ROOT } from './paths';
import type { Services } from './services';
import { userRoutes } from './users/routes';

const ROOT = PROJECT_ROOT;

/** Static assets: our own files and the vendored front-end libraries, all served locally (strict CSP). */
function staticAssets(app: Express): void {
  const options = { maxAge: '7d', immutable: false, index: false as const };
  app.use('/public', express.static(path.join(ROOT, 'public'), options));
  app.use('/vendor/bootstrap', express.static(path.join(ROOT, 'node_modules/bootstrap/dist'), options));
  app.use('/vendor/htmx', express.static(path.join(ROOT, 'node_modules/htmx.org/dist'), options));
  // browsers and tools ask for /favicon.ico whatever the page names (public/favicon.svg): the same icon, never a 404
  const favicon = path.join(ROOT, 'public/favicon.ico');
  app.use('/favicon.ico', (req, res, next) => (req.path === '/' && ['GET', 'HEAD'].includes(req.method) ? res.sendFile(favicon, { maxAge: '7d' }) : next()));
}

/**
 * The Express application, wired in one fixed order: request id → request log → security headers → static →
 * body parsing → session → passport → CSRF → current user → routes → 404 → error handler.
 */
export function createApp(services: Services): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  // pages are never cached (no-store): an ETag would only cost a hash of every page
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ? 1 : false);
  configureViews(app, { watch: config.env === 'development', labels: LABELS });

  app.use(requestId);
  app.use(requestLog(logger, (r) => services.metrics.observeRequest(r)));
  app.use(securityHeaders({ hsts: config.trustProxy }));
  staticAssets(app);
  app.use(healthRoutes(services));
  app.use(metricsRoutes(services));
  app.use(noStore);
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 500 }));
  app.use(express.json({ limit: '200kb' }));
  app.use(cookieParser());
  // the household's own space (/mon-espace): its own session, CSRF and 404, before the extranet's session ever runs
  app.use(householdSpaceRoutes(services));
  app.use(sessionMiddleware(services.knex, config, { cleanup: config.env !== 'test', readWithUser: (sid) => services.auth.sessionWithUser(sid) }));
  app.use(flash);

  const passport = configurePassport(services);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(sessionTimeouts(services.clock, config));

  const csrf = csrfProtection(config);
  app.use(csrf.exposeToken);
  app.use(csrf.protect);
  app.use((req, _res, next) => {
    req.checkCsrf = () => csrf.validate(req);
    req.screenUploads = (files, route) => services.uploadScreen.screen(files, route);
    next();
  });
  app.use(currentUser);
  app.use(reenterRequestContext);
  app.use(refuseControlCharacters);

  // the areas' routers, in this order; each request tried only by those that can answer it (src/http/area-routers.ts)
  app.use(
    areaRouters([
      authRoutes(services, passport),
      homeRoutes(services),
      organisationRoutes(services),
      userRoutes(services),
      notificationRoutes(services),
      householdRoutes(services),
      householdStaffRoutes(services),
      duplicateRoutes(services),
      aidTypeRoutes(services),
      requestListRoutes(services),
      instructionRoutes(services),
      aidRequestRoutes(services),
      requestPageRoutes(services),
      eSignatureRoutes(services),
      dashboardRoutes(services),
      satisfactionRoutes(services),
      statisticsRoutes(services),
      fundRoutes(services),
      reportRoutes(services),
      selfAuditRoutes(services),
      settingsRoutes(services),
      paymentRoutes(services),
      accountRoutes(services),
      jobRoutes(services),
      rightsRoutes(services),
      assistanceRoutes(services),
      funderRoutes(services),
      funderBillingRoutes(services),
      exchangesRoutes(services),
      accountingRoutes(services),
      availabilityRoutes(services), // before missionRoutes: /accompagnement/disponibilites is not a mission id
      missionAdminRoutes(services), // before missionRoutes: /accompagnement/facturation is not a mission id
      missionRoutes(services),
      appointmentLinkRoutes(services),
    ]),
  );

  app.use(notFound);
  app.use(errorHandler(logger, config.baseUrl));
  return app;
}
