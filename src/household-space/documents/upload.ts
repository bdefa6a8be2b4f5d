import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { holdsControlCharacters } from '../../http/control-characters';
import { type AcceptedType, MAX_UPLOAD_BYTES, safeFilename, uploadProblem } from '../../files/sniff';

/** At most this many files in one sending (a phone's photos of a few pages). */
export const MAX_HOUSEHOLD_FILES = 10;

/** What became of each file of a sending, in the order received. */
export interface SendingOutcome {
  received: Array<{ id: string; filename: string }>;
  refused: Array<{ filename: string; reason: string }>;
  /** the body stopped before its end (connection lost): what came before is kept */
  broken: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** set by householdFilesUpload: what the sending kept and refused */
    sending?: SendingOutcome;
  }
}

type Store = (req: Request, file: { originalname: string; buffer: Buffer; type: AcceptedType }) => Promise<string>;

class CsrfRefused extends Error {
  readonly code = 'EBADCSRFTOKEN';
  readonly status = 403;
  constructor() {
    super('Jeton CSRF invalide');
  }
}

/**
 * A multer storage engine that keeps each file as soon as it is fully received and checked — not
 * once the whole body has arrived — so that a sending broken midway (a phone losing its network)
 * keeps the files before the break. Each file gets the checks of every upload of the extranet: the
 * CSRF token (the `_csrf` field comes before the files), no control character in its name, 10 MB
 * at most (a larger one is read to its end, never held, and refused alone), its type by its content
 * (PDF, JPEG, PNG), the virus scan. A refused file is said, the others are kept. A file cut by the
 * break is never stored (its stream ends in an error); nothing is ever removed afterwards.
 */
class KeepAsReceived implements multer.StorageEngine {
  constructor(private readonly store: Store) {}

  _handleFile(req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const sending = req.sending!;
    const name = file.originalname;
    if (!req.checkCsrf?.()) {
      file.stream.resume();
      return cb(new CsrfRefused());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_UPLOAD_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    file.stream.on('error', (err) => {
      failed = true;
      cb(err);
    });
    file.stream.on('end', () => {
      if (failed) return;
      const refuse = (reason: string) => {
        sending.refused.push({ filename: safeFilename(name), reason });
        cb(null, { size: 0 });
      };
      if (holdsControlCharacters(name) || name.length > 255) return refuse('son nom contient des caractères interdits ou est trop long : renommez-le');
      if (size > MAX_UPLOAD_BYTES) return refuse('il dépasse 10 Mo : prenez la photo en qualité normale, ou envoyez les pages une par une');
      const buffer = Buffer.concat(chunks);
      const checked = uploadProblem({ originalname: name, buffer });
      if ('problem' in checked) return refuse(buffer.length === 0 ? 'le fichier est vide' : 'ce n’est ni une photo (JPEG, PNG) ni un PDF');
      void (async () => {
        if (!req.screenUploads) throw new Error('uploads: no virus scan wired for this request');
        const virus = await req.screenUploads([{ originalname: name, buffer, fieldname: file.fieldname }], (req.route as { path?: string } | undefined)?.path);
        if (virus)
          return refuse(
            virus.startsWith('L’analyse antivirus')
              ? 'l’analyse antivirus est indisponible : réessayez dans quelques minutes'
              : 'il contient un virus : il n’a pas été gardé',
          );
        const id = await this.store(req, { originalname: name, buffer, type: checked.type });
        sending.received.push({ id, filename: safeFilename(name) });
        cb(null, { size: buffer.length });
      })().catch((err: unknown) => cb(err));
    });
  }

  /** Never: what was kept stays kept, even when the sending breaks afterwards. */
  _removeFile(_req: Request, _file: Express.Multer.File, cb: (error: Error | null) => void): void {
    cb(null);
  }
}

/**
 * Parses a household's sending (field `files`, several at once) keeping each file as it comes (see
 * KeepAsReceived), then hands `req.sending` to the handler. A body that breaks, or that sends too
 * many files, is no error page: the handler says what was kept. A wrong CSRF token is the 403, and
 * an error of the store (the ask not found, the request decided) goes to the error handler.
 */
export function householdFilesUpload(store: Store): RequestHandler {
  const parse = multer({
    storage: new KeepAsReceived(store),
    defParamCharset: 'utf8',
    // no fileSize limit here: the engine refuses a larger file alone and keeps reading the next ones
    limits: { files: MAX_HOUSEHOLD_FILES, fields: 10, fieldSize: 10_000, parts: MAX_HOUSEHOLD_FILES + 10 },
  }).array('files', MAX_HOUSEHOLD_FILES);
  return (req: Request, res: Response, next: NextFunction) => {
    req.sending = { received: [], refused: [], broken: false };
    parse(req, res, (err: unknown) => {
      if (err instanceof CsrfRefused) return next(err);
      const code = (err as { code?: string } | undefined)?.code;
      if (err && !(err instanceof multer.MulterError) && !isBodyError(err)) return next(err);
      if (code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_PART_COUNT' || code === 'LIMIT_UNEXPECTED_FILE')
        req.sending!.refused.push({ filename: '', reason: `${MAX_HOUSEHOLD_FILES} fichiers au plus par envoi : envoyez les autres ensuite` });
      else if (err) req.sending!.broken = true;
      // a sending that kept nothing still proves it comes from the household's page (each kept file was checked)
      if (!req.sending!.received.length && !req.checkCsrf?.()) return next(new CsrfRefused());
      // the fields (a CSRF token, nothing else) are not used: the body is never read as a form
      req.body = {};
      next();
    });
  };
}

/** The errors of a body that did not arrive whole (busboy, the socket). */
function isBodyError(err: unknown): boolean {
  const message = (err as Error).message ?? '';
  return (
    /Unexpected end of form|Request aborted|Request closed|Boundary not found|Malformed part header|Multipart: /i.test(message) ||
    (err as { code?: string }).code === 'ECONNRESET'
  );
}
