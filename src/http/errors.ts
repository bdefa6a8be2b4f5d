import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../logger';
import { ConflictError, ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError } from '../shared/errors';
import { urls } from '../urls';
import { fromOurPages, rememberedPath, storableValues } from './session';

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

interface HttpishError {
  status?: number;
  statusCode?: number;
  code?: string;
  type?: string;
  expose?: boolean;
}

/**
 * Maps every error to a French page and a status; a 500 shows only the request id (the stack is logged).
 * `baseUrl` is the app's own origin, which a form must come from to be kept across a login.
 */
export function errorHandler(logger: Logger, baseUrl?: string): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as HttpishError & Error;
    // a CSRF refusal comes before the actor is set: the session's user still says who it was
    const base = {
      requestId: req.id,
      userId: req.actor?.userId ?? req.user?.id,
      organisationId: req.actor?.organisationId ?? req.user?.organisationId,
      method: req.method,
      path: req.path,
    };

    if (e?.code === 'EBADCSRFTOKEN') {
      // the session behind one of our forms has gone (expired, cleaned up, cookie dropped by the
      // browser): keep what was typed, log in again. Only a form that provably comes from our pages:
      // a cross-site POST is refused below and nothing of it is kept (no replay, no pre-fill).
      if (!req.user && req.method === 'POST' && req.path !== urls.login() && fromOurPages(req, baseUrl)) {
        const back = rememberedPath(req, baseUrl);
        if (back) {
          req.session.savedForm = { path: back, values: storableValues(req.body) };
          req.session.returnTo = back;
        }
        req.flash(
          'info',
          back
            ? 'Votre session a expiré. Reconnectez-vous pour continuer : vos saisies ont été conservées.'
            : 'Votre session a expiré. Reconnectez-vous pour continuer.',
        );
        return res.redirect(urls.login());
      }
      logger.warn('csrf token rejected', { ...base, event: 'security.csrf_rejected' });
      return render(res, 403, 'errors/403', {
        message: 'La page a expiré ou le formulaire ne provient pas d’Entraide. Rechargez la page et recommencez.',
      });
    }
    if (err instanceof NotFoundError) {
      logger.info('not found', { ...base, event: 'access.not_found' });
      return render(res, 404, 'errors/404', { message: err.message });
    }
    if (err instanceof ForbiddenError) {
      logger.warn('access denied', { ...base, event: 'access.denied' });
      return render(res, 403, 'errors/403', { message: err.message });
    }
    if (err instanceof ConflictError || err instanceof InvalidTransitionError || err instanceof ValidationError) {
      return render(res, 409, 'errors/409', { message: err.message });
    }
    if (err instanceof ZodError) {
      // a query string a page's schema refuses (a filter too long, an unknown value): its French messages, never a 500
      logger.info('client error', { ...base, status: 400, type: 'query.invalid', fields: err.issues.map((i) => i.path.join('.')) });
      const messages = [...new Set(err.issues.map((i) => `${i.path.length ? `« ${i.path.join('.')} » : ` : ''}${i.message}`))];
      return render(res, 400, 'errors/400', {
        message: `Un filtre ou un paramètre de la page est incorrect : ${messages.join(' ; ')}. Corrigez-le, puis recommencez.`,
      });
    }
    const status = e?.status ?? e?.statusCode;
    if (status && status >= 400 && status < 500) {
      // body-parser and other client errors: too large, malformed…
      logger.info('client error', { ...base, status, type: e.type });
      const message =
        status === 413
          ? 'Les données envoyées sont trop volumineuses.'
          : e.type === 'control.characters'
            ? 'Les données envoyées contiennent des caractères de contrôle (par exemple un caractère nul) qui ne peuvent pas être saisis : rien n’a été enregistré. Retirez-les, puis recommencez.'
            : 'La requête envoyée n’a pas pu être comprise. Rechargez la page et recommencez.';
      return render(res, status, 'errors/400', { message });
    }
    logger.error('unhandled error', { ...base, error: e?.message, stack: e?.stack });
    return render(res, 500, 'errors/500', {});
  };
}

function render(res: Parameters<ErrorRequestHandler>[2], status: number, view: string, locals: Record<string, unknown>) {
  res.status(status);
  res.render(view, locals, (renderErr, html) => {
    if (renderErr) {
      res.type('text/plain').send(`Erreur ${status}. Identifiant de la requête : ${String(res.getHeader('X-Request-Id') ?? '')}`);
      return;
    }
    res.send(html);
  });
}
