import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Actor, Permission } from '../permissions';
import { can } from '../permissions';
import { ForbiddenError } from '../shared/errors';
import { urls } from '../urls';

/** Sends anonymous visitors to the login page, remembering where they were going. */
export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.actor) return next();
  if (req.method === 'GET') req.session.returnTo = req.originalUrl;
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
