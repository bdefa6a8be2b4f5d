import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { MAX_UPLOAD_BYTES } from '../files/sniff';

declare module 'express-serve-static-core' {
  interface Request {
    /** Checks the CSRF token of a request whose body the route parsed itself (multipart). */
    checkCsrf?: () => boolean;
    /** A French message when the upload itself was refused (too large, too many files). */
    uploadError?: string;
  }
}

/**
 * Parses a multipart form with one file (in memory, 10 MB at most), then checks its CSRF token:
 * the global CSRF middleware skips multipart bodies because it cannot read them. The `_csrf`
 * field must come before the file in the form so it is read even when the file is too large.
 */
export function singleFileUpload(field: string): RequestHandler[] {
  const parser = multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 30, fieldSize: 100_000 } }).single(field);
  return [
    (req: Request, res: Response, next: NextFunction) => {
      parser(req, res, (err: unknown) => {
        const code = (err as { code?: string } | undefined)?.code;
        if (code === 'LIMIT_FILE_SIZE') req.uploadError = 'Le fichier dépasse 10 Mo : réduisez-le (par exemple en le numérisant en noir et blanc) puis recommencez';
        else if (code?.startsWith('LIMIT_')) req.uploadError = 'Un seul fichier à la fois';
        else if (err) return next(err);
        req.body ??= {};
        next();
      });
    },
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.checkCsrf?.()) {
        next(Object.assign(new Error('Jeton CSRF invalide'), { code: 'EBADCSRFTOKEN', status: 403 }));
        return;
      }
      next();
    },
  ];
}
