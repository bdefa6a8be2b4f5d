import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { MAX_UPLOAD_BYTES } from '../files/sniff';
import { controlCharactersError, holdsControlCharacters } from './control-characters';

declare module 'express-serve-static-core' {
  interface Request {
    /** Checks the CSRF token of a request whose body the route parsed itself (multipart). */
    checkCsrf?: () => boolean;
    /** A French message when the upload itself was refused (too large, too many files, a virus, no virus scan). */
    uploadError?: string;
    /** Scans the uploaded files for viruses (src/files/upload-screen.ts): null when they may be kept, else why not. */
    screenUploads?: (files: ReadonlyArray<{ originalname: string; buffer: Buffer; fieldname?: string }>, route?: string) => Promise<string | null>;
  }
}

/**
 * The multipart parser turns a bracketed name (`holderName[y]`, `a[__proto__]`) into nested objects
 * without a prototype, which no schema expects and no template can print. The urlencoded parser
 * keeps such a name as it was written: so does this one, giving back a plain object whose values
 * are strings or lists of strings (a `__proto__` name is dropped, as the urlencoded parser does).
 */
export function flatFields(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const add = (name: string, value: unknown) => {
    if (name === '__proto__') return;
    if (typeof value === 'string') {
      const previous = Object.hasOwn(out, name) ? out[name] : undefined;
      const earlier: unknown[] = Array.isArray(previous) ? previous : [previous];
      out[name] = previous === undefined ? value : [...earlier, value];
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => (typeof item === 'string' ? add(name, item) : add(`${name}[${i}]`, item)));
    } else if (value !== null && typeof value === 'object') {
      // the key '' holds the value of the plain name when it came before or after a bracketed one
      for (const key of Object.keys(value)) add(key === '' ? name : `${name}[${key}]`, (value as Record<string, unknown>)[key]);
    }
  };
  if (body && typeof body === 'object') for (const key of Object.keys(body)) add(key, (body as Record<string, unknown>)[key]);
  return out;
}

/**
 * Parses a multipart form (in memory, 10 MB per file at most), then checks its CSRF token: the
 * global CSRF middleware skips multipart bodies because it cannot read them. The `_csrf` field
 * must come before the files in the form so it is read even when a file is too large. Then, like
 * the edge does for urlencoded bodies, a field or a file name holding a control character is
 * refused with the French 400, and so is a body the parser could not read (a malformed part header).
 * Last, every file is scanned for viruses (src/files/upload-screen.ts, clamd): an infected file, or
 * clamd unreachable, sets `req.uploadError` and takes the files away from the handler.
 */
function multipart(parse: RequestHandler, maxFiles: number): RequestHandler[] {
  return [
    (req: Request, res: Response, next: NextFunction) => {
      parse(req, res, (err: unknown) => {
        const code = (err as { code?: string } | undefined)?.code;
        if (code === 'LIMIT_FILE_SIZE')
          req.uploadError = 'Le fichier dépasse 10 Mo : réduisez-le (par exemple en le numérisant en noir et blanc) puis recommencez';
        else if (code === 'LIMIT_FIELD_COUNT' || code === 'LIMIT_FIELD_KEY' || code === 'LIMIT_FIELD_VALUE')
          req.uploadError = 'Le formulaire envoyé est trop long : enregistrez-le en plusieurs fois';
        else if (code?.startsWith('LIMIT_')) req.uploadError = maxFiles === 1 ? 'Un seul fichier à la fois' : `${maxFiles} fichiers au plus par envoi`;
        else if (err) {
          const status = (err as { status?: number }).status;
          if (status && status < 500) return next(err);
          // busboy refuses a part header holding a control character (a NUL in a field or file name)
          if ((err as Error).message === 'Malformed part header') return next(controlCharactersError());
          // "Unexpected end of form", "Boundary not found"…: a body no browser sends
          return next(
            Object.assign(new Error(`unreadable multipart body: ${(err as Error).message}`), { status: 400, type: 'multipart.unreadable', expose: true }),
          );
        }
        req.body = flatFields(req.body);
        // stored with the file and given back when it is downloaded: no file system takes more
        if (!req.uploadError && uploadedFiles(req).some((f) => f.originalname.length > MAX_FILE_NAME))
          req.uploadError = `Le nom du fichier dépasse ${MAX_FILE_NAME} caractères : renommez-le plus court, puis recommencez`;
        next();
      });
    },
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.checkCsrf?.()) {
        next(Object.assign(new Error('Jeton CSRF invalide'), { code: 'EBADCSRFTOKEN', status: 403 }));
        return;
      }
      const names = uploadedFiles(req).flatMap((f) => [f.originalname, (f as { fieldname?: string }).fieldname ?? '']);
      if (holdsControlCharacters(req.body) || holdsControlCharacters(names)) return next(controlCharactersError());
      next();
    },
    // every file is scanned for viruses before a handler can keep it: one place, no form can forget it
    async (req: Request, _res: Response, next: NextFunction) => {
      const files = uploadedFiles(req);
      if (!req.uploadError && files.length > 0) {
        if (!req.screenUploads) return next(new Error('uploads: no virus scan wired for this request (src/app.ts sets req.screenUploads)'));
        req.uploadError = (await req.screenUploads(files, (req.route as { path?: string } | undefined)?.path)) ?? undefined;
      }
      // a handler sees files only once they were scanned clean: one that forgot req.uploadError finds nothing to store
      if (req.uploadError) {
        req.file = undefined;
        req.files = undefined;
      }
      next();
    },
  ];
}

const MAX_FILE_NAME = 255;

const limits = (files: number, fields = 30) => ({ fileSize: MAX_UPLOAD_BYTES, files, fields, fieldSize: 100_000 });

/** The documents form also carries one type per file waiting to be classified. */
const DOCUMENT_FORM_FIELDS = 230;

export function singleFileUpload(field: string): RequestHandler[] {
  return multipart(multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: limits(1) }).single(field), 1);
}

/** Up to `max` files in one field (attachments of a message); `req.files` is then an array. */
export function multiFileUpload(field: string, max: number): RequestHandler[] {
  return multipart(multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: limits(max) }).array(field, max), max);
}

/** One file in `single` or up to `max` files in `many` (a request's documents: one with its type, or several at once). */
export function oneOrManyFilesUpload(single: string, many: string, max: number): RequestHandler[] {
  return multipart(
    multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: limits(max, DOCUMENT_FORM_FIELDS) }).fields([
      { name: single, maxCount: 1 },
      { name: many, maxCount: max },
    ]),
    max,
  );
}

/** The files of a multipart request, whatever the parser put there. */
export function uploadedFiles(req: Request): Array<{ originalname: string; buffer: Buffer }> {
  const files = req.files;
  if (Array.isArray(files)) return files.filter((f) => f.size > 0 || f.originalname);
  if (files)
    return Object.values(files)
      .flat()
      .filter((f) => f.size > 0 || f.originalname);
  return req.file ? [req.file] : [];
}
