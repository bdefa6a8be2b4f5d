import type { RequestHandler } from 'express';

/**
 * Control characters nobody types (NUL and the other C0 codes but tab, line feed and carriage
 * return; DEL): PostgreSQL refuses NUL in text (error 22021), and none belongs in a form or a filter.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** True when a value (string, array or object, keys included) holds such a character anywhere. */
export function holdsControlCharacters(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return FORBIDDEN.test(value);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => holdsControlCharacters(v, depth + 1));
  return Object.keys(value).some((k) => FORBIDDEN.test(k) || holdsControlCharacters((value as Record<string, unknown>)[k], depth + 1));
}

/** The error the error handler turns into the French 400 page about control characters. */
export function controlCharactersError(): Error {
  return Object.assign(new Error('control characters in the request'), { status: 400, type: 'control.characters', expose: true });
}

/**
 * Refuses, at the edge and before any handler, a path, query string or parsed body holding control
 * characters: a 400 page in French, nothing done. (Multipart bodies are parsed by their routes,
 * which refuse the same way: see uploads.ts.)
 */
export const refuseControlCharacters: RequestHandler = (req, _res, next) => {
  let path = req.path;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    // a malformed escape is not a control character; the router answers it
  }
  if (FORBIDDEN.test(path) || holdsControlCharacters(req.query) || holdsControlCharacters(req.body)) {
    next(controlCharactersError());
    return;
  }
  next();
};
