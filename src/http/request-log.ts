import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { type RequestContext, runInRequestContext } from '../shared/request-context';

declare module 'express-serve-static-core' {
  interface Request {
    /** the context every log line of this request carries (its id, then its user) */
    logContext?: RequestContext;
  }
}

/** The route's pattern (`/demandes/:id`), never the path as typed: no id, no query value in the logs. */
export function routePattern(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  // a mounted static folder strips its prefix from req.path: read the path as it came
  const path = req.originalUrl.split('?')[0] ?? '';
  if (/^\/(public|vendor)\//.test(path) || path === '/favicon.ico') return '(fichier statique)';
  return '(aucune route)';
}

/**
 * One log line per HTTP request once its answer is sent — method, route pattern, status, duration,
 * request id, user id (no personal data, no query value), also handed to `observe` (the metrics'
 * durations) — and the request's context opened, so
 * that every line written while serving it carries its id and user (AsyncLocalStorage).
 */
export function requestLog(logger: Logger, observe?: (r: { method: string; route: string; status: number; durationMs: number }) => void): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const context: RequestContext = { requestId: req.id };
    req.logContext = context;
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const durationMs = Number((process.hrtime.bigint() - started) / 10_000n) / 100;
      const route = routePattern(req);
      const status = res.headersSent ? res.statusCode : 499;
      observe?.({ method: req.method, route, status, durationMs });
      logger.info('request', {
        method: req.method,
        route,
        status,
        durationMs,
        requestId: context.requestId,
        ...(context.userId ? { userId: context.userId } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    };
    res.once('finish', done);
    res.once('close', done);
    runInRequestContext(context, next);
  };
}

/**
 * Enters the request's context again (stream-driven middleware such as the body parser and the
 * session store call back outside it), with the user once the session has told who it is.
 */
export const reenterRequestContext: RequestHandler = (req, _res, next) => {
  const context = req.logContext;
  if (!context) return next();
  const user = req.user as { id?: unknown } | undefined;
  if (user && typeof user.id === 'string') context.userId = user.id;
  runInRequestContext(context, next);
};
