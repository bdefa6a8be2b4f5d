import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { Permission } from '../permissions';
import { ConflictError, type FieldErrors, InvalidTransitionError, ValidationError } from '../shared/errors';
import { requirePermission } from './guards';
import { keepableValues } from './session';
import { useFrenchMessages } from './zod-messages';

// every route module declares its forms here: from then on, a rule a schema does not word is told in French
useFrenchMessages();

/** What a form template receives: the values to show, each field's error, and the summary. */
export interface FormState {
  values: Record<string, unknown>;
  errors: FieldErrors;
  errorSummary: Array<{ href: string; text: string }>;
}

export type FormRenderer = (req: Request, res: Response, form: FormState) => Promise<void> | void;

/** A fresh form, prefilled with `values`, or with what was typed before the session expired. */
/** One raw field of a posted body (a hidden navigation field such as « retour »), before any schema: a string or nothing. */
export function postedField(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function emptyForm(req: Request, values: Record<string, unknown> = {}): FormState {
  const saved = req.session?.savedForm;
  if (saved && saved.path === req.originalUrl) {
    delete req.session.savedForm;
    return { values: { ...values, ...saved.values }, errors: {}, errorSummary: [] };
  }
  return { values, errors: {}, errorSummary: [] };
}

export function invalidForm(body: unknown, errors: FieldErrors): FormState {
  return {
    values: keepableValues(body),
    errors,
    errorSummary: Object.entries(errors).map(([field, text]) => ({ href: field === '_form' ? '#main' : `#${field}`, text })),
  };
}

/** zod issues → one French message per field (the first one), keyed by the field name. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '_form';
    errors[key] ??= issue.message;
  }
  return errors;
}

/**
 * For a button that posts without a page of its own (deactivate, withdraw, merge…): a rejected
 * post goes back to `target` with the messages as a flash. `check` first proves the record is
 * visible to the actor, so a rejected post on someone else's record is still a 404.
 */
export function backWithErrors(target: (req: Request) => string, check?: (req: Request) => Promise<unknown>): FormRenderer {
  return async (req, res, form) => {
    if (check) await check(req);
    const messages = Object.values(form.errors);
    if (messages.length) req.flash('error', messages.join(' '));
    res.redirect(target(req));
  };
}

export interface FormRoute<S extends z.ZodType> {
  permission: Permission | null;
  /** The schema, or a function building it for this request (rules that depend on today's date). */
  schema: S | ((req: Request) => S);
  /** Renders the page with the form (used for the GET and for a rejected POST). */
  render: FormRenderer;
  /** Middlewares run after the permission check and before validation (multipart parsing). */
  before?: RequestHandler[];
  /** Runs once the body is valid: one service call, a flash, a redirect. */
  handle: (req: Request, res: Response, data: z.output<S>) => Promise<void>;
}

/**
 * Declares a POST route: it cannot exist without a permission decision and a schema. A rejected
 * body (schema or service ValidationError/ConflictError) re-renders the form with status 400,
 * every typed value kept (passwords excepted) and each message next to its field.
 */
export function postForm<S extends z.ZodType>(router: Router, path: string, logger: Logger, route: FormRoute<S>): void {
  const guards: RequestHandler[] = route.permission ? requirePermission(route.permission) : [];
  router.post(path, ...guards, ...(route.before ?? []), async (req, res) => {
    const rejected = async (errors: FieldErrors) => {
      logger.info('form rejected', {
        event: 'input.invalid',
        path: (req.route as { path: string } | undefined)?.path,
        fields: Object.keys(errors),
        // the request id and the user come from the request's context (http/request-log.ts)
      });
      res.status(400);
      await route.render(req, res, invalidForm(req.body, errors));
    };
    const schema = typeof route.schema === 'function' && !(route.schema instanceof z.ZodType) ? route.schema(req) : (route.schema as S);
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) return rejected(fieldErrors(parsed.error));
    try {
      await route.handle(req, res, parsed.data);
    } catch (err) {
      if (err instanceof ValidationError) return rejected(err.fieldErrors);
      if (err instanceof ConflictError || err instanceof InvalidTransitionError) return rejected({ _form: err.message });
      throw err;
    }
  });
}
