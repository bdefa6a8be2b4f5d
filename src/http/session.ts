import type { RequestHandler } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Config } from '../config';
import type { Clock } from '../shared/clock';
import { safeReturnPath, urls } from '../urls';

declare module 'express-session' {
  interface SessionData {
    authenticatedAt?: number;
    lastSeenAt?: number;
    returnTo?: string;
    /** What a person had typed when their session expired, given back to the same form after login. */
    savedForm?: { path: string; values: Record<string, unknown> };
    anonymous?: boolean;
    /** A correct password of a user who must still give a second factor (and, to enrol, the key shown). */
    secondFactor?: { userId: string; startedAt: number; secret?: string };
  }
}

export const SESSION_COOKIE = 'entraide.sid';

/**
 * How stale the recorded last activity may be: a session is written back at most once a minute
 * while it is only being read (a page view is then one session read, no write). The idle timeout
 * is thus enforced to the minute, on the short side.
 */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * The knex store without `touch`: express-session would otherwise update the row's expiry on every
 * request. The expiry moves forward each time the session is saved, i.e. at least once a minute
 * while the person is active (`lastSeenAt`), which keeps an active session alive.
 */
class SessionStore extends ConnectSessionKnexStore {
  override async touch(_sid: string, _session: unknown, callback?: () => void): Promise<void> {
    callback?.();
  }
}

/** Sessions live in PostgreSQL (table `sessions`), so every replica shares them. */
export function sessionMiddleware(knex: Knex, config: Config, options: { cleanup: boolean }): RequestHandler {
  const store = new SessionStore({
    knex,
    tableName: 'sessions',
    createTable: false,
    cleanupInterval: options.cleanup ? 15 * 60_000 : 0,
  });
  return session({
    name: SESSION_COOKIE,
    secret: config.session.secret,
    store,
    resave: false,
    saveUninitialized: false,
    // the cookie's expiry is renewed whenever the session is saved (see LAST_SEEN_RESOLUTION_MS)
    rolling: false,
    proxy: config.trustProxy,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.trustProxy,
      maxAge: config.session.idleMinutes * 60_000,
    },
  });
}

/** Keys never kept from a form, whatever happens (passwords, tokens). */
export function keepableValues(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '_csrf' || /password|token/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Ends a logged-in session after 30 minutes without a request or 12 hours in all (ASVS 3.3.2),
 * by the injected clock (the last activity is recorded to the minute). A form posted into an expired session is kept and given back after login.
 */
export function sessionTimeouts(clock: Clock, config: Config): RequestHandler {
  const idleMs = config.session.idleMinutes * 60_000;
  const absoluteMs = config.session.absoluteHours * 3_600_000;
  return (req, res, next) => {
    if (!req.user) return next();
    const now = clock.now().getTime();
    const s = req.session;
    const idle = s.lastSeenAt !== undefined && now - s.lastSeenAt > idleMs;
    const tooOld = s.authenticatedAt !== undefined && now - s.authenticatedAt > absoluteMs;
    if (!idle && !tooOld) {
      if (s.lastSeenAt === undefined || now - s.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) s.lastSeenAt = now;
      return next();
    }
    const back = returnPathFor(req.method, req.originalUrl, req.get('referer'));
    const savedForm = req.method === 'POST' && back ? { path: back, values: keepableValues(req.body) } : undefined;
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.user = undefined;
      req.session.returnTo = back ?? undefined;
      req.session.savedForm = savedForm;
      req.session.flash = [{ kind: 'info', text: 'Votre session a expiré. Reconnectez-vous pour continuer : vos saisies ont été conservées.' }];
      req.session.save(() => {
        if (req.get('hx-request')) {
          res.setHeader('HX-Redirect', urls.login());
          res.status(204).end();
        } else {
          res.redirect(urls.login());
        }
      });
    });
  };
}

/** Where to come back after login: the page itself for a GET, the form's page for a POST. */
export function returnPathFor(method: string, originalUrl: string, referer: string | undefined): string | null {
  if (method === 'GET') return safeReturnPath(originalUrl);
  if (!referer) return null;
  try {
    const u = new URL(referer);
    return safeReturnPath(u.pathname + u.search);
  } catch {
    return null;
  }
}
