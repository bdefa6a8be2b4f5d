import type { Knex } from 'knex';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';
import type { Db, Page } from '../db/types';
import { isUuid } from '../db/types';
import type { Logger } from '../logger';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors';
import { type BlobStore, DatabaseBlobStore } from '../files/storage';
import type { MailRecord, MailRepository, OutgoingMail, StoredMailAttachment } from './repository';
import { maskOneTimeSecrets, ONE_TIME_SECRET_KINDS } from './one-time-secrets';

/** The types an attachment is downloaded with; anything else is a plain download (never rendered by the browser). */
const DOWNLOAD_TYPES: Record<string, string> = {
  'application/pdf': 'application/pdf',
  'text/calendar': 'text/calendar; charset=utf-8',
};

/** A mail is tried this many times before it stays failed (shown to administrators). */
export const MAX_ATTEMPTS = 6;

/**
 * Every mail is first written to `mail_outbox` inside the caller's transaction (so a rolled-back
 * change sends nothing), then delivered after commit. Without SMTP settings mails are only stored
 * and shown to administrators (development default).
 */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    private readonly db: Knex,
    private readonly repository: MailRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly config: Pick<Config, 'smtp' | 'mailFrom'>,
    private readonly blobs: BlobStore = new DatabaseBlobStore(),
  ) {
    this.transport = config.smtp
      ? nodemailer.createTransport({
          host: config.smtp.host,
          port: config.smtp.port,
          secure: config.smtp.secure,
          auth: config.smtp.user ? { user: config.smtp.user, pass: config.smtp.password ?? '' } : undefined,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        })
      : null;
  }

  /** Records the mail in the caller's transaction; call `deliver` with the id once committed. */
  queue(trx: Db, mail: OutgoingMail): Promise<string> {
    return this.repository.insert(trx, mail, this.transport ? 'pending' : 'stored', this.clock.now());
  }

  /** Sends queued mails; a failure is recorded on the mail (to be retried), never thrown at the user. */
  async deliver(ids: string[]): Promise<void> {
    if (!this.transport) return;
    for (const mail of await this.repository.findPending(this.db, ids)) {
      try {
        const attachments = [];
        for (const a of await this.repository.attachments(this.db, mail.id)) {
          const blob = await this.blobs.get(this.db, a.blobId);
          if (blob) attachments.push({ filename: a.filename, contentType: a.contentType, content: blob.data });
        }
        const info = (await this.transport.sendMail({ from: this.config.mailFrom, to: mail.to, subject: mail.subject, text: mail.text, attachments })) as {
          messageId?: string;
        };
        await this.repository.markSent(this.db, mail.id, info.messageId ?? null, this.clock.now());
        // the recipient has the link or code now: the outbox keeps it masked (ONE_TIME_SECRET_KINDS)
        if (ONE_TIME_SECRET_KINDS.has(mail.kind)) await this.repository.replaceText(this.db, mail.id, maskOneTimeSecrets(mail.kind, mail.text));
        this.logger.info('mail sent', { mailId: mail.id, kind: mail.kind });
      } catch (err) {
        await this.repository.markFailed(this.db, mail.id, (err as Error).message, this.clock.now());
        this.logger.warn('mail delivery failed', { mailId: mail.id, kind: mail.kind, error: (err as Error).message });
      }
    }
  }

  /** Tries again the mails that failed (with a growing delay) or were left pending; for the `mail-retry` job. */
  async retry(now: Date): Promise<{ retried: number; sent: number; failed: number }> {
    const ids = await this.repository.dueForRetry(this.db, now, MAX_ATTEMPTS, new Date(now.getTime() - 10 * 60_000));
    await this.deliver(ids);
    const after = await this.repository.findStatuses(this.db, ids);
    return { retried: ids.length, sent: after.filter((s) => s === 'sent').length, failed: after.filter((s) => s === 'failed').length };
  }

  list(actor: Actor, page: number): Promise<Page<MailRecord>> {
    scopeFor(actor, 'mail:read');
    return this.repository.list(this.db, page);
  }

  async get(actor: Actor, id: string): Promise<MailRecord> {
    scopeFor(actor, 'mail:read');
    const mail = isUuid(id) ? await this.repository.findById(this.db, id) : null;
    if (!mail) throw new NotFoundError();
    return mail;
  }

  /** The files attached to a mail, listed on its outbox page. */
  async attachments(actor: Actor, mailId: string): Promise<StoredMailAttachment[]> {
    const mail = await this.get(actor, mailId);
    return this.repository.attachmentList(this.db, mail.id);
  }

  /** One attached file to download, served with a type from a short list (never the stored one as is). */
  async attachment(actor: Actor, mailId: string, attachmentId: string): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const found = isUuid(attachmentId) ? (await this.attachments(actor, mailId)).find((a) => a.id === attachmentId) : undefined;
    const blob = found ? await this.blobs.get(this.db, found.blobId) : null;
    if (!found || !blob) throw new NotFoundError();
    return {
      fileName: found.filename,
      contentType: DOWNLOAD_TYPES[found.contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? 'application/octet-stream',
      data: blob.data,
    };
  }

  close(): void {
    this.transport?.close();
  }
}
