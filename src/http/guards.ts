import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Actor, Permission } from '../permissions';
import { can } from '../permissions';
import { ForbiddenError } from '../shared/errors';
import { urls } from '../urls';
import { rememberedPath } from './session';

/**
 * Sends anonymous visitors to the login page, remembering where they were going: only a page of
 * ours asked for with a plain GET (a safe same-origin path, never an htmx fragment); a POST's
 * destination is never remembered here (see rememberedPath for the forms kept across a login).
 */
export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.actor) return next();
  if (req.method === 'GET') {
    const back = rememberedPath(req);
    if (back) req.session.returnTo = back;
  }
  if (req.get('hx-request')) {
    res.setHeader('HX-Redirect', urls.login());
    res.status(204).end();
    return;
  }
  res.redirect(urls.login());
};

/** Login, then the declared permission (the service checks again against the record). */
export function requirePermission(permission: Permission): RequestHandler[] {
  return [
    requireLogin,
    (req: Request, _res: Response, next: NextFunction) => {
      if (!can(req.actor as Actor, permission)) return next(new ForbiddenError());
      next();
    },
  ];
}

/** Login, then at least one of the permissions (the service decides which one applies to the record). */
export function requireAnyPermission(...permissions: Permission[]): RequestHandler[] {
  return [
    requireLogin,
    (req: Request, _res: Response, next: NextFunction) => {
      if (!permissions.some((p) => can(req.actor as Actor, p))) return next(new ForbiddenError());
      next();
    },
  ];
}

/** The actor of a request that went through requirePermission. */
export function actor(req: Request): Actor {
  if (!req.actor) throw new ForbiddenError();
  return req.actor;
}
