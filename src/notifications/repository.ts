import type { Db, Page } from '../db/types';
import { toPage } from '../db/types';

export type MailStatus = 'pending' | 'sent' | 'failed' | 'stored';

export interface MailAttachment {
  filename: string;
  contentType: string;
  blobId: string;
}

/** An attachment as stored, with its id and size (the outbox lists and serves it). */
export interface StoredMailAttachment extends MailAttachment {
  id: string;
  size: number;
}

export interface OutgoingMail {
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** files already stored as blobs (payment notices…) */
  attachments?: MailAttachment[];
}

export interface MailRecord extends OutgoingMail {
  id: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

interface MailRow {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const toRecord = (r: MailRow): MailRecord => ({
  id: r.id,
  kind: r.kind,
  to: r.to_address,
  subject: r.subject,
  text: r.text_body,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

export class MailRepository {
  async insert(db: Db, mail: OutgoingMail, status: MailStatus, now: Date): Promise<string> {
    const [row] = await db('mail_outbox')
      .insert({ kind: mail.kind, to_address: mail.to, subject: mail.subject, text_body: mail.text, status, created_at: now })
      .returning<{ id: string }[]>('id');
    const id = row!.id; // an insert returns its row
    if (mail.attachments?.length) {
      await db('mail_attachments').insert(mail.attachments.map((a) => ({ mail_id: id, filename: a.filename, content_type: a.contentType, blob_id: a.blobId })));
    }
    return id;
  }

  /** Whether a mail of this kind and subject was queued since then (to tell something once a day). */
  async queuedSince(db: Db, kind: string, subject: string, since: Date): Promise<boolean> {
    return (await db('mail_outbox').where({ kind, subject }).where('created_at', '>=', since).first('id')) !== undefined;
  }

  async attachments(db: Db, mailId: string): Promise<MailAttachment[]> {
    const rows = await db('mail_attachments').where({ mail_id: mailId }).orderBy('filename');
    return rows.map((r: Record<string, string>) => ({ filename: r.filename as string, contentType: r.content_type as string, blobId: r.blob_id as string }));
  }

  /** The files of a mail as the outbox lists them: name, type and size. */
  async attachmentList(db: Db, mailId: string): Promise<StoredMailAttachment[]> {
    const rows = await db('mail_attachments as a')
      .join('blobs as b', 'b.id', 'a.blob_id')
      .where('a.mail_id', mailId)
      .orderBy('a.filename')
      .select('a.id', 'a.filename', 'a.content_type', 'a.blob_id', 'b.size');
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      filename: r.filename as string,
      contentType: r.content_type as string,
      blobId: r.blob_id as string,
      size: Number(r.size),
    }));
  }

  /** Mails to try again: pending ones left behind (a crash after commit) and failed ones, a few times at most. */
  async dueForRetry(db: Db, now: Date, maxAttempts: number, olderThan: Date): Promise<string[]> {
    const rows = await db('mail_outbox')
      .where((w) =>
        w
          .where((f) =>
            f
              .where('status', 'failed')
              .where('attempts', '<', maxAttempts)
              .where((n) => n.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now)),
          )
          .orWhere((p) => p.where('status', 'pending').where('created_at', '<', olderThan)),
      )
      .orderBy('created_at')
      .limit(500)
      .select('id');
    return rows.map((r: { id: string }) => r.id);
  }

  async findPending(db: Db, ids: string[]): Promise<MailRecord[]> {
    if (ids.length === 0) return [];
    const rows = await db<MailRow>('mail_outbox').whereIn('id', ids).whereIn('status', ['pending', 'failed']);
    return rows.map(toRecord);
  }

  async markSent(db: Db, id: string, messageId: string | null, now: Date): Promise<void> {
    await db('mail_outbox')
      .where({ id })
      .update({ status: 'sent', message_id: messageId, sent_at: now, attempts: db.raw('attempts + 1'), last_error: null });
  }

  /** Replaces the kept text of a delivered mail (one-time secrets masked once sent). */
  async replaceText(db: Db, id: string, text: string): Promise<void> {
    await db('mail_outbox').where({ id }).update({ text_body: text });
  }

  /** A failed attempt; the next one waits longer each time (5, 10, 20… minutes). */
  async markFailed(db: Db, id: string, error: string, now: Date = new Date()): Promise<void> {
    await db('mail_outbox')
      .where({ id })
      .update({
        status: 'failed',
        attempts: db.raw('attempts + 1'),
        last_error: error.slice(0, 500),
        next_attempt_at: db.raw("?::timestamptz + (interval '5 minutes' * power(2, least(attempts, 6)))", [now.toISOString()]),
      });
  }

  async findStatuses(db: Db, ids: string[]): Promise<MailStatus[]> {
    if (ids.length === 0) return [];
    return (await db('mail_outbox').whereIn('id', ids).select('status')).map((r: { status: MailStatus }) => r.status);
  }

  async list(db: Db, page: number, pageSize = 50): Promise<Page<MailRecord>> {
    const [countRow] = await db('mail_outbox').count<{ count: string }[]>('* as count');
    const rows = await db<MailRow>('mail_outbox')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return toPage(rows.map(toRecord), Number(countRow?.count ?? 0), page, pageSize);
  }

  async findById(db: Db, id: string): Promise<MailRecord | null> {
    const row = await db<MailRow>('mail_outbox').where({ id }).first();
    return row ? toRecord(row) : null;
  }
}
