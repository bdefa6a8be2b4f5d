import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import { type Db, isUuid } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import { type Actor, can, scopeFor } from '../../permissions/index';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import type { DomainEvents } from '../../shared/domain-events';
import { addDays, parisDate } from '../../shared/dates';
import { ConflictError, ForbiddenError, InvalidTransitionError, NotFoundError } from '../../shared/errors';
import { formatDate, formatEuros } from '../../shared/format';
import { maskIban } from '../../shared/iban';
import type { UserRepository } from '../../accounts/repository';
import type { Batch, BatchItem, BatchRepository, BatchStatus, DuePayment } from './batches-repository';
import type { DebtorAccount, DebtorAccountRepository } from '../accounts/debtor-accounts-repository';
import { buildPaymentNotice, type NoticeLine } from './notice';
import type { PayeeRepository } from '../accounts/payees-repository';
import type { RequestProgress } from '../ports';
import type { PaymentRepository } from '../repository';
import { nextExecutionDate } from '../sepa/business-days';
import { buildPain001, SepaBuildError } from '../sepa/pain001';
import { validatePain001 } from '../sepa/xsd';

/** Who made a batch: a person (on demand) or the scheduler; the approver must be someone else. */
export interface BatchAuthor {
  userId: string | null;
  label: string;
}

export interface GeneratedBatch {
  batchId: string;
  msgId: string;
  debtorLabel: string;
  executionDate: string;
  transactions: number;
  controlSumCents: bigint;
  fileName: string;
  blobId: string;
}

export const BATCH_STATUS_LABELS: Record<BatchStatus, string> = {
  generated: 'Préparé — à approuver',
  approved: 'Approuvé — à transmettre',
  transmitted: 'Transmis à la banque',
  settled: 'Réglé',
  cancelled: 'Annulé',
};

/** Items grouped by a key, in their order (one pass). */
function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** "AIDE 2026-00042 AQ 12/2026": what the payee reads on its statement (140 characters at most). */
export function remittanceText(p: Pick<DuePayment, 'reference' | 'aidCode' | 'dueDate' | 'instalment' | 'instalments'>): string {
  const period = `${p.dueDate.slice(5, 7)}/${p.dueDate.slice(0, 4)}`;
  return `AIDE ${p.reference} ${p.aidCode} ${period}${p.instalments > 1 ? ` ECHEANCE ${p.instalment}/${p.instalments}` : ''}`;
}

/**
 * SEPA credit-transfer batches, exactly once: generation under an advisory lock and in one
 * transaction (the file is validated against both pain.001.001.03 schemas before anything is
 * stored), four-eyes approval, transmission with payment notices, settlement, cancellation.
 */
export class BatchService {
  private readonly db: Knex;
  private readonly batches: BatchRepository;
  private readonly debtors: DebtorAccountRepository;
  private readonly payments: PaymentRepository;
  private readonly payees: PayeeRepository;
  private readonly requests: RequestProgress;
  private readonly users: UserRepository;
  private readonly blobs: BlobStore;
  private readonly mailer: Mailer;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly events: DomainEvents;

  constructor(deps: {
    db: Knex;
    batches: BatchRepository;
    debtors: DebtorAccountRepository;
    payments: PaymentRepository;
    payees: PayeeRepository;
    requests: RequestProgress;
    users: UserRepository;
    blobs: BlobStore;
    mailer: Mailer;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    events: DomainEvents;
  }) {
    this.db = deps.db;
    this.batches = deps.batches;
    this.debtors = deps.debtors;
    this.payments = deps.payments;
    this.payees = deps.payees;
    this.requests = deps.requests;
    this.users = deps.users;
    this.blobs = deps.blobs;
    this.mailer = deps.mailer;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.events = deps.events;
  }

  /**
   * Makes the batches of a day: the payments due by the next execution date (the first TARGET2
   * business day after `runDate`), one batch per debtor account. A debtor account that already has
   * a live batch for that date gets none (a second run adds nothing); an invalid file stores nothing.
   */
  async generate(runDate: string, by: BatchAuthor, jobRunId: string | null): Promise<{ batches: GeneratedBatch[]; skipped: number; payments: number }> {
    const executionDate = nextExecutionDate(runDate);
    return this.db.transaction(async (trx) => {
      await this.batches.lockGeneration(trx);
      const accounts = (await this.debtors.list(trx)).filter((a) => a.active);
      const fallback = accounts.find((a) => a.isDefault) ?? accounts[0];
      const due = await this.batches.duePayments(trx, executionDate);
      if (due.length === 0) return { batches: [], skipped: 0, payments: 0 };
      if (!fallback)
        throw new SepaBuildError(
          'Aucun compte émetteur de l’association n’est paramétré (Administration → Comptes émetteurs) : aucun virement ne peut partir.',
        );
      const mapping = await this.debtors.aidTypeAccounts(trx);
      const groups = groupBy(due, (p) => accounts.find((a) => a.id === mapping.get(p.aidTypeId)) ?? fallback);
      const made: GeneratedBatch[] = [];
      let skipped = 0;
      const settings = await this.settings.get(trx);
      for (const [account, payments] of groups) {
        if (await this.batches.liveBatchExists(trx, account.id, executionDate)) {
          skipped += payments.length;
          continue;
        }
        made.push(await this.makeBatch(trx, account, executionDate, payments, settings.letterhead.name, by, jobRunId));
      }
      return { batches: made, skipped, payments: made.reduce((a, b) => a + b.transactions, 0) };
    });
  }

  private async makeBatch(
    trx: Db,
    account: DebtorAccount,
    executionDate: string,
    payments: DuePayment[],
    initiatingParty: string,
    by: BatchAuthor,
    jobRunId: string | null,
  ): Promise<GeneratedBatch> {
    const now = this.clock.now();
    const number = await this.batches.nextNumber(trx);
    const msgId = `ENTRAIDE-${executionDate.replace(/-/g, '')}-${String(number).padStart(6, '0')}`;
    const items = payments.map((p) => ({
      paymentId: p.id,
      endToEndId: p.endToEndId,
      amountCents: p.amountCents,
      accountId: p.accountId,
      creditorName: p.holderName,
      iban: p.iban,
      bic: p.bic,
      remittance: remittanceText(p),
    }));
    const { xml, count, controlSumCents } = buildPain001({
      msgId,
      paymentInfoId: `LOT-${number}`,
      createdAt: now,
      initiatingParty,
      executionDate,
      debtor: { name: account.holderName, iban: account.iban, bic: account.bic },
      transactions: items.map((i) => ({
        endToEndId: i.endToEndId,
        amountCents: i.amountCents,
        creditorName: i.creditorName,
        iban: i.iban,
        bic: i.bic,
        remittance: i.remittance,
      })),
    });
    // validated before anything is stored: an invalid file rolls the whole run back
    const verdict = await validatePain001(xml);
    if (!verdict.valid) throw new SepaBuildError(`Le fichier de virements ${msgId} n’est pas conforme au schéma : ${verdict.errors.join(' | ')}`);
    const fileName = `${msgId}.xml`;
    const blob = await this.blobs.put(trx, Buffer.from(xml, 'utf8'), 'application/xml');
    const batchId = await this.batches.insert(
      trx,
      {
        number,
        debtorAccountId: account.id,
        executionDate,
        msgId,
        paymentInfoId: `LOT-${number}`,
        count,
        controlSumCents,
        fileBlobId: blob.id,
        fileName,
        fileSha256: blob.sha256,
        by,
        jobRunId,
      },
      now,
    );
    await this.batches.insertItems(trx, batchId, items);
    const moved = await this.batches.setPaymentStatus(
      trx,
      items.map((i) => i.paymentId),
      'scheduled',
      'batched',
      now,
    );
    if (moved !== items.length) throw new ConflictError('Des paiements ont changé pendant la préparation du lot : relancez-la.');
    await this.audit.record(trx, this.auditActor(by), {
      entityType: 'payment_batch',
      entityId: batchId,
      organisationId: null,
      action: 'payment_batch.generated',
      after: { msgId, debtorAccount: account.label, executionDate, transactions: count, controlSum: controlSumCents.toString(), sha256: blob.sha256 },
    });
    return { batchId, msgId, debtorLabel: account.label, executionDate, transactions: count, controlSumCents, fileName, blobId: blob.id };
  }

  /** The payments page: what is due soon and why some of it waits, rejections to handle, the batches. */
  async overview(actor: Actor, page: number) {
    scopeFor(actor, 'payments:read');
    const today = parisDate(this.clock.now());
    const horizon = addDays(today, 45);
    const [waiting, rejected, batches, reviews] = await Promise.all([
      this.payments.waiting(this.db, horizon),
      this.payments.rejectedOpen(this.db),
      this.batches.list(this.db, page),
      this.payees.pendingReviews(this.db),
    ]);
    return { waiting, rejected, batches, pendingAccounts: reviews.length, nextExecutionDate: nextExecutionDate(today), horizon };
  }

  /** A batch, its transfers and who downloaded its file when (from the audit trail, newest first). */
  async get(actor: Actor, id: string): Promise<{ batch: Batch; items: BatchItem[]; downloads: Array<{ at: Date; by: string }> }> {
    scopeFor(actor, 'payments:read');
    const batch = isUuid(id) ? await this.batches.findById(this.db, id) : null;
    if (!batch) throw new NotFoundError();
    const downloads = (await this.audit.history(this.db, 'payment_batch', id))
      .filter((e) => e.action === 'payment_batch.downloaded')
      .map((e) => ({ at: e.occurredAt, by: e.actorLabel }));
    return { batch, items: await this.batches.items(this.db, id, 500), downloads };
  }

  /** Second pair of eyes: an administrator or the accountant, never the person who made the batch. */
  async approve(actor: Actor, id: string, version: number): Promise<void> {
    scopeFor(actor, 'payments:approve');
    await this.change(actor, id, version, ['generated'], 'approved', 'payment_batch.approved', (batch) => {
      if (batch.generatedBy === actor.userId)
        throw new ForbiddenError('Vous avez préparé ce lot : une autre personne (administrateur ou comptable) doit l’approuver.');
      return { approved_by: actor.userId, approved_by_label: actor.name, approved_at: this.clock.now() };
    });
  }

  /**
   * The batch leaves for the bank: recorded with who and when, its payments `sent`, their requests
   * in payment, and each payee told by one mail with the PDF of its transfers.
   */
  async transmit(actor: Actor, id: string, version: number): Promise<void> {
    scopeFor(actor, 'payments:approve');
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const batch = await this.locked(trx, id);
      if (batch.version !== version) throw new ConflictError();
      if (batch.status !== 'approved')
        throw new InvalidTransitionError(`Le lot doit être approuvé avant d’être transmis (il est « ${BATCH_STATUS_LABELS[batch.status]} »).`);
      const now = this.clock.now();
      if (
        !(await this.batches.move(trx, id, version, ['approved'], 'transmitted', {
          transmitted_by: actor.userId,
          transmitted_by_label: actor.name,
          transmitted_at: now,
        }))
      )
        throw new ConflictError();
      const items = await this.batches.items(trx, id);
      await this.batches.setPaymentStatus(
        trx,
        items.map((i) => i.paymentId),
        'batched',
        'sent',
        now,
      );
      await this.events.emit(
        trx,
        'batch.transmitted',
        {
          batchId: id,
          msgId: batch.msgId,
          by: actor.name,
          items: items.map((i) => ({
            id: i.paymentId,
            amountCents: i.amountCents,
            payeeId: i.payeeId,
            instalment: i.instalment,
            instalments: i.instalments,
            reissueOf: i.reissueOf,
            requestId: i.requestId,
            reference: i.reference,
          })),
        },
        now,
      );
      await this.startPayments(trx, actor, items, batch, now);
      mails.push(...(await this.sendNotices(trx, batch, items, now)));
      await this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: id,
        organisationId: null,
        action: 'payment_batch.transmitted',
        before: { status: 'approved' },
        after: { status: 'transmitted', sha256: batch.fileSha256, notices: mails.length },
      });
    });
    await this.mailer.deliver(mails);
  }

  /** The file for the bank portal, once approved; each download is in the audit trail. */
  async file(actor: Actor, id: string): Promise<{ filename: string; data: Buffer; sha256: string }> {
    scopeFor(actor, 'payments:approve');
    const batch = isUuid(id) ? await this.batches.findById(this.db, id) : null;
    if (!batch) throw new NotFoundError();
    if (!['approved', 'transmitted', 'settled'].includes(batch.status)) throw new NotFoundError('Le fichier n’est disponible qu’une fois le lot approuvé.');
    const blob = await this.blobs.get(this.db, batch.fileBlobId);
    if (!blob) throw new NotFoundError();
    await this.db.transaction((trx) =>
      this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: id,
        organisationId: null,
        action: 'payment_batch.downloaded',
        after: { sha256: blob.sha256 },
      }),
    );
    return { filename: batch.fileName, data: blob.data, sha256: blob.sha256 };
  }

  /** The bank statement shows the transfers: the batch and its payments are settled, fully paid requests `paid`. */
  async settle(actor: Actor, id: string, version: number): Promise<void> {
    scopeFor(actor, 'payments:approve');
    await this.db.transaction(async (trx) => {
      const batch = await this.locked(trx, id);
      if (batch.version !== version) throw new ConflictError();
      if (batch.status !== 'transmitted')
        throw new InvalidTransitionError(`Seul un lot transmis peut être réglé (celui-ci est « ${BATCH_STATUS_LABELS[batch.status]} »).`);
      const now = this.clock.now();
      if (!(await this.batches.move(trx, id, version, ['transmitted'], 'settled', { settled_by: actor.userId, settled_by_label: actor.name, settled_at: now })))
        throw new ConflictError();
      const items = await this.batches.items(trx, id);
      await this.batches.setPaymentStatus(
        trx,
        items.map((i) => i.paymentId),
        'sent',
        'settled',
        now,
        { settled_at: now },
      );
      for (const requestId of new Set(items.map((i) => i.requestId))) await this.completeIfPaid(trx, actor, requestId, now);
      await this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: id,
        organisationId: null,
        action: 'payment_batch.settled',
        before: { status: 'transmitted' },
        after: { status: 'settled' },
      });
    });
  }

  /** The batch a person is about to cancel, for the confirmation page (a batch sent to the bank no longer cancels). */
  async cancelPreview(actor: Actor, id: string): Promise<Batch> {
    if (!can(actor, 'payments:manage') && !can(actor, 'payments:approve')) throw new ForbiddenError();
    const batch = isUuid(id) ? await this.batches.findById(this.db, id) : null;
    if (!batch) throw new NotFoundError();
    if (!['generated', 'approved'].includes(batch.status))
      throw new InvalidTransitionError('Un lot transmis à la banque ne s’annule plus : traitez les rejets virement par virement.');
    return batch;
  }

  /** Before transmission a batch can be cancelled: its payments go back to `scheduled`, nothing is lost. */
  async cancel(actor: Actor, id: string, version: number, reason: string): Promise<void> {
    if (!can(actor, 'payments:manage') && !can(actor, 'payments:approve')) throw new ForbiddenError();
    await this.db.transaction(async (trx) => {
      const batch = await this.locked(trx, id);
      if (batch.version !== version) throw new ConflictError();
      if (!['generated', 'approved'].includes(batch.status))
        throw new InvalidTransitionError('Un lot transmis à la banque ne s’annule plus : traitez les rejets virement par virement.');
      const now = this.clock.now();
      if (
        !(await this.batches.move(trx, id, version, ['generated', 'approved'], 'cancelled', {
          cancelled_by: actor.userId,
          cancelled_by_label: actor.name,
          cancelled_at: now,
          cancel_reason: reason,
        }))
      )
        throw new ConflictError();
      const items = await this.batches.items(trx, id);
      await this.batches.retireItems(trx, id);
      await this.batches.setPaymentStatus(
        trx,
        items.map((i) => i.paymentId),
        'batched',
        'scheduled',
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: id,
        organisationId: null,
        action: 'payment_batch.cancelled',
        before: { status: batch.status },
        after: { status: 'cancelled', reason, payments: items.length },
      });
    });
  }

  /** A request whose payments are all settled (or cancelled, a rejected one re-issued) is paid. */
  async completeIfPaid(trx: Db, actor: Actor, requestId: string, now: Date): Promise<void> {
    const request = await this.requests.find(trx, requestId, true);
    if (!request || !request.inPayment || !(await this.payments.allSettled(trx, requestId))) return;
    await this.requests.paid(trx, actor, requestId, now);
  }

  private async startPayments(trx: Db, actor: Actor, items: BatchItem[], batch: Batch, now: Date): Promise<void> {
    for (const [requestId, its] of groupBy(items, (i) => i.requestId)) {
      const message = `Avis de mise en paiement : ${its.map((i) => `${formatEuros(i.amountCents)} (${i.endToEndId})`).join(', ')}, virement${its.length > 1 ? 's' : ''} exécuté${its.length > 1 ? 's' : ''} le ${formatDate(batch.executionDate)}.`;
      await this.requests.transferSent(trx, actor, requestId, message, now);
    }
  }

  /** One mail per payee organisation, with the PDF of its transfers; the requests' timelines say so. */
  private async sendNotices(trx: Db, batch: Batch, items: BatchItem[], now: Date): Promise<string[]> {
    const letterhead = (await this.settings.get(trx)).letterhead;
    const details = await this.requests.noticeDetails(trx, [...new Set(items.map((i) => i.requestId))]);
    const ids: string[] = [];
    for (const [payeeId, its] of groupBy(items, (i) => i.payeeId)) {
      const payee = await this.payees.findById(trx, payeeId);
      if (!payee) continue;
      const recipients = payee.noticeEmail
        ? [payee.noticeEmail]
        : payee.organisationId
          ? (await this.users.activeWithRoles(trx, payee.organisationId, ['landlord_admin'])).map((u) => u.email)
          : [];
      if (recipients.length === 0) continue;
      const lines: NoticeLine[] = its.map((i) => {
        const d = details.get(i.requestId);
        return {
          reference: i.reference ?? '',
          tenantName: d?.tenantName ?? '',
          aidLabel: d?.aidLabel ?? '',
          period: i.remittance.match(/\d{2}\/\d{4}/)?.[0] ?? '',
          amountCents: i.amountCents,
          endToEndId: i.endToEndId,
        };
      });
      const pdf = await buildPaymentNotice({
        letterhead,
        payeeName: payee.name,
        executionDate: batch.executionDate,
        msgId: batch.msgId,
        accountMasked: maskIban(its[0]?.iban ?? ''),
        lines,
        date: parisDate(now),
      });
      const blob = await this.blobs.put(trx, pdf, 'application/pdf');
      const total = its.reduce((a, i) => a + i.amountCents, 0);
      ids.push(
        await this.mailer.queue(trx, {
          kind: 'payment.notice',
          to: recipients.join(', '),
          subject: `Avis de mise en paiement — ${its.length} virement${its.length > 1 ? 's' : ''} le ${formatDate(batch.executionDate)}`,
          text:
            `Bonjour,\n\n${letterhead.name} vous informe de la mise en paiement de ${its.length} aide${its.length > 1 ? 's' : ''} pour un total de ${formatEuros(total)}, ` +
            `par virement exécuté le ${formatDate(batch.executionDate)} sur le compte ${maskIban(its[0]?.iban ?? '')}.\nLe détail (demande, locataire, aide, période, montant, référence de bout en bout) est dans le PDF joint.\n\n— Entraide, l’extranet des aides et de l’accompagnement`,
          attachments: [{ filename: `avis-mise-en-paiement-${batch.msgId}.pdf`, contentType: 'application/pdf', blobId: blob.id }],
        }),
      );
    }
    return ids;
  }

  private async change(
    actor: Actor,
    id: string,
    version: number,
    from: BatchStatus[],
    to: BatchStatus,
    action: string,
    patch: (b: Batch) => Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      const batch = await this.locked(trx, id);
      if (batch.version !== version) throw new ConflictError();
      if (!from.includes(batch.status)) throw new InvalidTransitionError(`Ce n’est plus possible : le lot est « ${BATCH_STATUS_LABELS[batch.status]} ».`);
      if (!(await this.batches.move(trx, id, version, from, to, patch(batch)))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: id,
        organisationId: null,
        action,
        before: { status: batch.status },
        after: { status: to },
      });
    });
  }

  private async locked(trx: Db, id: string): Promise<Batch> {
    const batch = isUuid(id) ? await this.batches.findById(trx, id, true) : null;
    if (!batch) throw new NotFoundError();
    return batch;
  }

  private auditActor(by: BatchAuthor): Actor | SystemActor {
    return by.userId ? ({ userId: by.userId, name: by.label } as Actor) : { userId: null, name: by.label };
  }
}
