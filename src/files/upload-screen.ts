import { createHash } from 'node:crypto';
import type { Logger } from '../logger';
import { safeFilename } from './sniff';
import { ScannerUnavailableError, type VirusScanner } from './virus-scan';

/** A file as the multipart parser gives it. */
export interface ScreenedFile {
  originalname: string;
  buffer: Buffer;
  fieldname?: string;
}

export const SCAN_UNAVAILABLE_MESSAGE = 'L’analyse antivirus est indisponible : réessayez dans quelques minutes. Aucun fichier n’a été enregistré.';

/**
 * Every uploaded file goes through here before a handler sees it (src/http/uploads.ts): scanned
 * by the virus scanner, then either let through or refused with a French message. An infected
 * file is written to the security log (`upload.infected`, counted in
 * entraide_security_events_total) with its signature, size and SHA-256 — never its content nor
 * its name, which may hold a person's name; the request id and the user come from the request's
 * context. A scanner that cannot answer refuses the upload too (fail closed), logged as
 * `upload.scan_unavailable`.
 */
export class UploadScreen {
  constructor(
    private readonly scanner: VirusScanner,
    private readonly logger: Logger,
  ) {}

  /** null when every file is clean; otherwise why the whole sending is refused, in French. */
  async screen(files: readonly ScreenedFile[], route?: string): Promise<string | null> {
    for (const file of files) {
      // an empty part is no file (refused later as empty when it was meant to be one)
      if (file.buffer.length === 0) continue;
      let result;
      try {
        result = await this.scanner.scan(file.buffer, file.originalname);
      } catch (err) {
        if (!(err instanceof ScannerUnavailableError)) throw err;
        this.logger.error('virus scan unavailable, upload refused', { event: 'upload.scan_unavailable', reason: err.reason, detail: err.message, route });
        return SCAN_UNAVAILABLE_MESSAGE;
      }
      if (result.clean) continue;
      this.logger.warn('infected upload refused', {
        event: 'upload.infected',
        signature: result.signature,
        size: file.buffer.length,
        sha256: createHash('sha256').update(file.buffer).digest('hex'),
        field: file.fieldname,
        route,
      });
      return files.length === 1
        ? `Ce fichier contient un virus (${result.signature}) : il n’a pas été enregistré.`
        : `Le fichier « ${safeFilename(file.originalname)} » contient un virus (${result.signature}) : il n’a pas été enregistré, ni les autres fichiers de cet envoi.`;
    }
    return null;
  }
}
