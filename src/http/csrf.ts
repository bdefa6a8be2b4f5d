import type { RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config';

/**
 * Double-submit CSRF tokens bound to the session (csrf-csrf). Forms carry a hidden `_csrf`
 * field, htmx sends the `X-CSRF-Token` header; any POST without a valid token is refused.
 */
export function csrfProtection(
  config: Config,
  scope: { cookieName: string; path: string } = { cookieName: 'entraide.csrf', path: '/' },
): {
  protect: RequestHandler;
  exposeToken: RequestHandler;
  validate: (req: import('express').Request) => boolean;
} {
  const secure = config.trustProxy;
  const { doubleCsrfProtection, generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => config.session.secret,
    getSessionIdentifier: (req) => req.session?.id ?? '',
    // __Host- cookies must have path /: a narrower scope (the household space) keeps its plain name
    cookieName: secure && scope.path === '/' ? `__Host-${scope.cookieName}` : scope.cookieName,
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: scope.path },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
    },
    errorConfig: { statusCode: 403, message: 'Jeton CSRF invalide', code: 'EBADCSRFTOKEN' },
    // multipart bodies are parsed by the upload route, which checks the token itself (uploads.ts)
    skipCsrfProtection: (req) => Boolean(req.is('multipart/form-data')),
  });

  /** Makes the token available to templates (`csrfToken`); the session is kept so the token stays valid. */
  const exposeToken: RequestHandler = (req, res, next) => {
    let token: string | undefined;
    Object.defineProperty(res.locals, 'csrfToken', {
      configurable: true,
      enumerable: true,
      get() {
        if (token === undefined) {
          if (!req.session.passport) req.session.anonymous = true; // persists the session behind the token
          token = generateCsrfToken(req, res);
        }
        return token;
      },
    });
    next();
  };

  return { protect: doubleCsrfProtection, exposeToken, validate: validateRequest };
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: string };
  }
}
