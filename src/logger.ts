import type { Writable } from 'node:stream';
import winston from 'winston';
import { requestContext } from './shared/request-context';

export type Logger = winston.Logger;

/** Fields whose value is never written, whoever passes them (a form body logged by mistake, an error's payload). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'iban',
  'bic',
  'secret',
  'token',
  'cookie',
  'authorization',
  'note',
  'notes',
  'summary',
  'comment',
  'comments',
  'body',
]);
/** `payeeIban`, `confirm_password`, `privateNotes`: a key is secret when one of its words is. */
const secretKey = (key: string): boolean =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .some((w) => SECRET_WORDS.has(w));
const hidden = (key: string, v: unknown): boolean => secretKey(key) && v !== undefined && v !== null && typeof v !== 'boolean';

/**
 * IBAN-shaped text, spaced or not (two letters, two check digits, then groups of letters and
 * digits; at least 15 characters, the shortest IBAN's length, of which ten digits or more): a
 * database error quoting a value ("invalid input syntax … "FR76…"") must not carry it. Uuids
 * (hyphens; the last group "de83 4709 4655" of one is 12 characters, too short), hashes (too long
 * for one word) and timestamps do not match.
 */
const IBAN_TEXT = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/gi;
const IBAN_MIN_LENGTH = 15;
const ibanLike = (m: string): boolean => m.replace(/ /g, '').length >= IBAN_MIN_LENGTH && (m.match(/\d/g)?.length ?? 0) >= 10;
const maskIbans = (text: string): string => text.replace(IBAN_TEXT, (m) => (ibanLike(m) ? '[IBAN masqué]' : m));

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskIbans(value);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = hidden(k, v) ? '[masqué]' : scrub(v, depth + 1);
  return out;
}

/**
 * The last line of defence of ASVS 7.1.2 (callers already pass ids only): secret-named fields are
 * replaced and IBAN-shaped text is masked in every field, the message and a stack included.
 */
export const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    const v = info[key];
    info[key] = key !== 'message' && hidden(key, v) ? '[masqué]' : scrub(v, 0);
  }
  return info;
});

/** Every line written while serving a request carries its id and its user's, taken from the request's context, never passed by hand. */
export const withRequestContext = winston.format((info) => {
  const context = requestContext();
  if (context) {
    info.requestId ??= context.requestId;
    if (context.userId) info.userId ??= context.userId;
  }
  return info;
});

/**
 * JSON lines; callers pass ids (request, user, organisation), never personal data or dossier content.
 * `stream` replaces the console (tests read what would be written).
 */
export function createLogger(level: 'error' | 'warn' | 'info' | 'debug' | 'silent', stream?: Writable): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(winston.format.timestamp(), withRequestContext(), winston.format.errors({ stack: true }), redact(), winston.format.json()),
    defaultMeta: { service: 'entraide' },
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
