import type { Knex } from 'knex';
import type { Config } from '../config';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import { Mailer } from './mailer';
import { MailRepository } from './repository';

/** The outbox and its delivery: areas queue mails inside their transactions and deliver after the commit. */
export function createNotificationsModule(deps: { db: Knex; clock: Clock; logger: Logger; config: Pick<Config, 'smtp' | 'mailFrom'>; blobs: BlobStore }) {
  const mails = new MailRepository();
  return { mailer: new Mailer(deps.db, mails, deps.clock, deps.logger, deps.config, deps.blobs), mails };
}
