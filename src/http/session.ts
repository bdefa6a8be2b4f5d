import type { Request, RequestHandler } from 'express';
import session, { type SessionData } from 'express-session';
import type { User } from '../accounts/repository';
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
export class SessionStore extends ConnectSessionKnexStore {
  private readonly readWithUser?: ReadSessionWithUser;

  /** With `readWithUser`, a session is read together with its user, in one round trip (see sessionMiddleware). */
  constructor(options: ConstructorParameters<typeof ConnectSessionKnexStore>[0], readWithUser?: ReadSessionWithUser) {
    super(options);
    this.readWithUser = readWithUser;
  }

  override async touch(_sid: string, _session: unknown, callback?: () => void): Promise<void> {
    callback?.();
  }

  override async get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): Promise<SessionData | null> {
    if (!this.readWithUser) return super.get(sid, callback);
    try {
      const found = await this.readWithUser(sid);
      const sess = (found?.sess ?? null) as SessionData | null;
      // kept beside the session's data, never in it: a symbol is neither copied into req.session nor saved
      if (sess && found?.userId) (sess as SessionData & { [USER_READ]?: SessionUserRead })[USER_READ] = { userId: found.userId, user: found.user };
      callback(null, sess);
      return sess;
    } catch (err) {
      // express-session ignores the promise: the error goes to its callback only (never an unhandled rejection)
      callback(err);
      return null;
    }
  }

  override createSession(req: Request, sess: SessionData): session.Session & Partial<SessionData> {
    const read = (sess as SessionData & { [USER_READ]?: SessionUserRead })[USER_READ];
    if (read) {
      req.sessionUserRead = read;
      delete (sess as SessionData & { [USER_READ]?: SessionUserRead })[USER_READ];
    }
    return super.createSession(req, sess);
  }
}

/** What the session's read found of its user, handed to passport's deserializer (src/auth/passport.ts). */
export interface SessionUserRead {
  readonly userId: string;
  /** null: that user may no longer log in (or is gone). */
  readonly user: User | null;
}
export type ReadSessionWithUser = (sid: string) => Promise<{ sess: unknown; userId: string | null; user: User | null } | null>;
const USER_READ = Symbol('the user read with the session');

declare module 'express-serve-static-core' {
  interface Request {
    sessionUserRead?: SessionUserRead;
  }
}

/**
 * Sessions live in PostgreSQL (table `sessions`), so every replica shares them. With `readWithUser`
 * (the app's), the session row and the user it names come back in one query instead of two.
 */
export function sessionMiddleware(knex: Knex, config: Config, options: { cleanup: boolean; readWithUser?: ReadSessionWithUser }): RequestHandler {
  const store = new SessionStore(
    {
      knex,
      tableName: 'sessions',
      createTable: false,
      cleanupInterval: options.cleanup ? 15 * 60_000 : 0,
    },
    options.readWithUser,
  );
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

/** One-time codes typed on a form (second factor, recovery code, re-authentication): never kept either. */
const SECRET_CODE_FIELDS = new Set(['confirmCode', 'recoveryCode', 'enrolmentCode', 'accessCode', 'signatureCode']);

/** Keys never kept from a form, whatever happens (passwords, tokens, one-time codes). */
export function keepableValues(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '_csrf' || k === '__proto__' || /password|token/i.test(k) || SECRET_CODE_FIELDS.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * What a form posted into an expired session keeps in the session store until the login: what
 * keepableValues keeps, except bank details (the sessions table is not encrypted; the form asks
 * them again).
 */
export function storableValues(body: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(keepableValues(body)).filter(([k]) => !/iban|bic/i.test(k)));
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
    const back = rememberedPath(req, config.baseUrl);
    const savedForm = req.method === 'POST' && back ? { path: back, values: storableValues(req.body) } : undefined;
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.user = undefined;
      req.session.returnTo = back ?? undefined;
      req.session.savedForm = savedForm;
      req.session.flash = [
        {
          kind: 'info',
          text: savedForm
            ? 'Votre session a expiré. Reconnectez-vous pour continuer : vos saisies ont été conservées.'
            : 'Votre session a expiré. Reconnectez-vous pour continuer.',
        },
      ];
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

/** Our cookies: the session's and the CSRF one (both SameSite=Lax, so a cross-site POST never carries them). */
const OUR_COOKIE = new RegExp(`^(${SESSION_COOKIE.replace('.', '\\.')}|(__Host-)?entraide\\.csrf)$`);

const originOf = (url: string | undefined): string | null => {
  if (!url) return null;
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
};

/**
 * Whether a request provably comes from our own pages: its Origin (or, when a browser sent none,
 * its Referer) is the app's origin (BASE_URL, or the request's own protocol and host as the proxy
 * forwards them), and it carries one of our cookies. Only such a POST may be remembered across a
 * login: a cross-site form (no cookie under SameSite=Lax, a foreign or opaque origin) never is, so
 * an attacker cannot have the victim's page open pre-filled with their values after login.
 * The session cookie alone would not do: the browser drops it when the idle timeout ends (its
 * expiry is the idle timeout), and a form typed meanwhile must still be given back.
 */
export function fromOurPages(req: Request, baseUrl?: string): boolean {
  const own = new Set([`${req.protocol}://${req.host}`]);
  const configured = originOf(baseUrl);
  if (configured) own.add(configured);
  const origin = req.get('origin');
  const source = origin !== undefined ? originOf(origin) : originOf(req.get('referer'));
  if (!source || !own.has(source)) return false;
  const cookies = (req as Request & { cookies?: Record<string, unknown> }).cookies ?? {};
  return Object.keys(cookies).some((name) => OUR_COOKIE.test(name));
}

/**
 * Where to come back after login, if anywhere: the page itself for a plain GET (never an htmx
 * fragment), the form's page for a POST that provably comes from our pages (fromOurPages).
 */
export function rememberedPath(req: Request, baseUrl?: string): string | null {
  if (req.method === 'GET') return req.get('hx-request') ? null : safeReturnPath(req.originalUrl);
  if (req.method !== 'POST' || !fromOurPages(req, baseUrl)) return null;
  return returnPathFor(req.method, req.originalUrl, req.get('referer'));
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
