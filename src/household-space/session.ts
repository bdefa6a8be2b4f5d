import type { RequestHandler } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { SessionStore } from '../http/session';
import type { Clock } from '../shared/clock';
import { urls } from '../urls';
import type { HouseholdActor } from './actor';

declare module 'express-session' {
  interface SessionData {
    /** the household-space session's person (household cookie only) and when it was last active */
    householdActor?: HouseholdActor & { openedAt: number; lastSeenAt: number };
  }
}

export const HOUSEHOLD_COOKIE = 'entraide.menage';
export const HOUSEHOLD_PATH = '/mon-espace';
/** A household session ends after 30 minutes without a request (and 2 hours in all). */
export const HOUSEHOLD_IDLE_MINUTES = 30;
export const HOUSEHOLD_ABSOLUTE_MINUTES = 120;

/** Sessions of the household space: their own table, their own cookie, sent only to /mon-espace. */
export function householdSessionMiddleware(knex: Knex, config: Config, options: { cleanup: boolean }): RequestHandler {
  // the extranet's store without `touch` (src/http/session.ts), on its own table
  const store = new SessionStore({
    knex,
    tableName: 'household_sessions',
    createTable: false,
    cleanupInterval: options.cleanup ? 15 * 60_000 : 0,
  });
  return session({
    name: HOUSEHOLD_COOKIE,
    secret: config.session.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: config.trustProxy,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.trustProxy, path: HOUSEHOLD_PATH, maxAge: HOUSEHOLD_ABSOLUTE_MINUTES * 60_000 },
  });
}

/**
 * Sets `req.household` from the session while it is alive by the injected clock (idle 30 minutes,
 * 2 hours in all) and, checked once a minute, while its person is still in the household and its link
 * still valid; an ended session is forgotten. Records activity at most once a minute.
 */
export function householdSessionActor(clock: Clock, stillValid: (actor: HouseholdActor) => Promise<boolean>): RequestHandler {
  return async (req, res, next) => {
    const kept = req.session?.householdActor;
    res.locals.householdSpace = true;
    if (!kept) return next();
    const now = clock.now().getTime();
    if (now - kept.lastSeenAt > HOUSEHOLD_IDLE_MINUTES * 60_000 || now - kept.openedAt > HOUSEHOLD_ABSOLUTE_MINUTES * 60_000) {
      delete req.session.householdActor;
      req.flash('info', 'Votre session a pris fin. Pour revenir, ouvrez de nouveau le lien reçu par courriel.');
      return next();
    }
    const { openedAt: _o, lastSeenAt: _l, ...actor } = kept;
    if (now - kept.lastSeenAt >= 60_000) {
      // once a minute: the person is still in that household and the link was not withdrawn (a member who left loses the dossier at once)
      if (!(await stillValid(actor))) {
        delete req.session.householdActor;
        req.flash('info', 'Votre espace n’est plus accessible avec ce lien. Demandez un nouveau lien si besoin.');
        return next();
      }
      req.session.householdActor = { ...kept, lastSeenAt: now };
    }
    req.household = actor;
    res.locals.household = actor;
    next();
  };
}

/** A household page: without a live household session, the access page (where to ask for a link). */
export const requireHousehold: RequestHandler = (req, res, next) => {
  if (req.household) return next();
  if (req.get('hx-request')) {
    res.setHeader('HX-Redirect', urls.householdAccess());
    res.status(204).end();
    return;
  }
  res.redirect(urls.householdAccess());
};
