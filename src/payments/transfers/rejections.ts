import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import { type Db, isUuid } from '../../db/types';
import type { Mailer } from '../../notifications/mailer';
import { type Actor, scopeFor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import type { DomainEvents } from '../../shared/domain-events';
import { parisDate } from '../../shared/dates';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../../shared/errors';
import { formatEuros } from '../../shared/format';
import type { UserRepository } from '../../accounts/repository';
import type { BatchService } from './batches';
import type { BatchRepository } from './batches-repository';
import type { RequestProgress } from '../ports';
import type { Payment, PaymentRepository } from '../repository';
import { parsePain002, StatusReportError } from '../sepa/pain002';

/** ISO 20022 reason codes a bank gives for a rejected or returned transfer (the ones seen in practice). */
export const REJECTION_REASONS = {
  AC01: 'Numéro de compte incorrect',
  AC04: 'Compte clôturé',
  AC06: 'Compte bloqué',
  AG01: 'Opération interdite sur ce compte',
  AG02: 'Code opération invalide',
  AM04: 'Provision insuffisante',
  AM05: 'Doublon',
  BE04: 'Adresse du bénéficiaire manquante',
  MD07: 'Titulaire du compte décédé',
  MS02: 'Refus du bénéficiaire',
  MS03: 'Raison non communiquée par la banque',
  RC01: 'BIC incorrect',
  RR01: 'Identification du titulaire manquante',
  FF01: 'Format de fichier invalide',
} as const;
export type RejectionCode = keyof typeof REJECTION_REASONS;

export const reasonLabel = (code: string | null): string =>
  code && Object.hasOwn(REJECTION_REASONS, code) ? `${code} — ${REJECTION_REASONS[code as RejectionCode]}` : (code ?? '');

/** Transfers that come back: bank status reports, rejections by hand, re-issues, and instalments cancelled. */
export class RejectionService {
  private readonly db: Knex;
  private readonly payments: PaymentRepository;
  private readonly batchRepository: BatchRepository;
  private readonly batches: BatchService;
  private readonly requests: RequestProgress;
  private readonly users: UserRepository;
  private readonly mailer: Mailer;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly baseUrl: string;
  private readonly events: DomainEvents;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    payments: PaymentRepository;
    batchRepository: BatchRepository;
    batches: BatchService;
    requests: RequestProgress;
    users: UserRepository;
    mailer: Mailer;
    audit: AuditService;
    clock: Clock;
    baseUrl: string;
    events: DomainEvents;
    accessLog: AccessLogService;
  }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.payments = deps.payments;
    this.batchRepository = deps.batchRepository;
    this.batches = deps.batches;
    this.requests = deps.requests;
    this.users = deps.users;
    this.mailer = deps.mailer;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
    this.events = deps.events;
  }

  /** An operator records a rejection from the bank by hand, with its ISO reason code. */
  async reject(actor: Actor, paymentId: string, code: string, comment: string | null): Promise<void> {
    scopeFor(actor, 'payments:manage');
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const payment = isUuid(paymentId) ? await this.payments.findById(trx, paymentId, true) : null;
      if (!payment) throw new NotFoundError();
      mails.push(...(await this.markRejected(trx, actor, payment, code, comment)));
    });
    await this.mailer.deliver(mails);
  }

  /** The bank's status report (pain.002): every rejected transfer it names is marked, the rest left as is. */
  async importStatusReport(
    actor: Actor,
    file: { originalname: string; buffer: Buffer } | undefined,
  ): Promise<{ rejected: number; alreadyRejected: number; unknown: string[]; accepted: number }> {
    scopeFor(actor, 'payments:manage');
    if (!file || file.buffer.length === 0) throw new ValidationError({ file: 'Choisissez le fichier de statut reçu de la banque (pain.002, XML)' });
    if (
      !/^\s*(<\?xml|<)/.test(
        file.buffer
          .subarray(0, 64)
          .toString('utf8')
          .replace(/^\uFEFF/, ''),
      )
    )
      throw new ValidationError({ file: 'Ce fichier n’est pas un fichier XML (son contenu a été vérifié, pas seulement son nom)' });
    let report;
    try {
      report = parsePain002(file.buffer.toString('utf8'));
    } catch (err) {
      if (err instanceof StatusReportError) throw new ValidationError({ file: err.message });
      throw err;
    }
    const out = { rejected: 0, alreadyRejected: 0, unknown: [] as string[], accepted: 0 };
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const batchId = await this.batchRepository.batchByMsgId(trx, report.originalMsgId);
      if (!batchId) throw new ValidationError({ file: `Ce rapport répond au fichier ${report.originalMsgId}, que l’extranet n’a pas émis.` });
      // the whole file refused: every transfer of the batch is rejected with the group's reason
      const transfers =
        report.groupStatus === 'RJCT' && report.transfers.length === 0
          ? (await this.batchRepository.items(trx, batchId)).map((i) => ({ endToEndId: i.endToEndId, status: 'RJCT', reasonCode: report.groupReasonCode }))
          : report.transfers;
      for (const t of transfers) {
        if (t.status !== 'RJCT') {
          out.accepted++;
          continue;
        }
        const item = await this.batchRepository.itemByEndToEnd(trx, report.originalMsgId, t.endToEndId);
        const payment = item ? await this.payments.findById(trx, item.paymentId, true) : null;
        if (!payment) {
          out.unknown.push(t.endToEndId);
          continue;
        }
        if (payment.status === 'rejected') {
          out.alreadyRejected++;
          continue;
        }
        mails.push(...(await this.markRejected(trx, actor, payment, t.reasonCode ?? 'MS03', `Rapport de la banque ${report.originalMsgId}`)));
        out.rejected++;
      }
      await this.audit.record(trx, actor, {
        entityType: 'payment_batch',
        entityId: batchId,
        organisationId: null,
        action: 'payment_batch.status_report',
        after: { file: file.originalname, ...out, unknown: out.unknown.length },
      });
    });
    await this.mailer.deliver(mails);
    return out;
  }

  /** A new payment in place of a rejected one (after the payee's bank details were corrected), linked to it. */
  async reissue(actor: Actor, paymentId: string, version: number): Promise<void> {
    scopeFor(actor, 'payments:manage');
    await this.db.transaction(async (trx) => {
      const payment = isUuid(paymentId) ? await this.payments.findById(trx, paymentId, true) : null;
      if (!payment) throw new NotFoundError();
      if (payment.version !== version) throw new ConflictError();
      if (payment.status !== 'rejected') throw new InvalidTransitionError('Seul un virement rejeté peut être réémis.');
      if (payment.reissuedBy) throw new InvalidTransitionError('Ce virement a déjà été réémis.');
      const request = await this.requests.find(trx, payment.requestId);
      if (!request?.reference) throw new NotFoundError();
      const now = this.clock.now();
      const id = await this.payments.insertReissue(trx, payment, parisDate(now), request.reference, now);
      await this.requests.note(trx, actor, request.id, `Virement de ${formatEuros(payment.amountCents)} réémis (il part avec le prochain lot).`, now);
      await this.audit.record(trx, actor, {
        entityType: 'payment',
        entityId: id,
        organisationId: payment.organisationId,
        action: 'payment.reissued',
        after: { reissueOf: payment.id, endToEndId: payment.endToEndId, amountCents: payment.amountCents },
      });
    });
  }

  /** What cancelling a request's remaining instalments would cancel, for its confirmation page (possibly nothing). */
  async remainingInstalments(
    actor: Actor,
    requestId: string,
  ): Promise<{ requestId: string; reference: string; instalments: Payment[]; totalCents: number; batched: number }> {
    scopeFor(actor, 'payments:manage');
    const request = isUuid(requestId) ? await this.requests.find(this.db, requestId) : null;
    if (!request) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'request.view.annuler-echeances', entityType: 'aid_request', entityId: request.id });
    const payments = await this.payments.forRequest(this.db, request.id);
    const instalments = payments.filter((p) => p.status === 'scheduled');
    return {
      requestId: request.id,
      reference: request.reference ?? '',
      instalments,
      totalCents: instalments.reduce((a, p) => a + p.amountCents, 0),
      batched: payments.filter((p) => p.status === 'batched').length,
    };
  }

  /** The remaining instalments of a grant stop (the tenant left, the debt was settled otherwise…), with the reason. */
  async cancelRemaining(actor: Actor, requestId: string, reason: string): Promise<number> {
    scopeFor(actor, 'payments:manage');
    return this.db.transaction(async (trx) => {
      const request = isUuid(requestId) ? await this.requests.find(trx, requestId, true) : null;
      if (!request) throw new NotFoundError();
      const now = this.clock.now();
      const cancelled = await this.payments.cancelScheduled(trx, request.id, reason, now);
      if (cancelled.length === 0)
        throw new InvalidTransitionError('Aucune échéance à venir à annuler : celles déjà dans un lot se retirent en annulant le lot.');
      await this.events.emit(
        trx,
        'instalments.cancelled',
        { requestId: request.id, reference: request.reference ?? '', payments: cancelled, reason, by: actor.name },
        now,
      );
      const total = cancelled.reduce((a, p) => a + p.amountCents, 0);
      await this.requests.note(
        trx,
        actor,
        request.id,
        `${cancelled.length} échéance${cancelled.length > 1 ? 's' : ''} annulée${cancelled.length > 1 ? 's' : ''} (${formatEuros(total)}) : ${reason}`,
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: request.id,
        organisationId: request.organisationId,
        action: 'payments.cancelled',
        after: { instalments: cancelled.length, amountCents: total, reason },
      });
      await this.batches.completeIfPaid(trx, actor, request.id, now);
      return cancelled.length;
    });
  }

  private async markRejected(trx: Db, actor: Actor, payment: Payment, code: string, comment: string | null): Promise<string[]> {
    if (!['sent', 'settled'].includes(payment.status)) throw new InvalidTransitionError('Seul un virement transmis à la banque peut être rejeté.');
    const now = this.clock.now();
    if (
      !(await this.payments.update(
        trx,
        payment.id,
        payment.version,
        ['sent', 'settled'],
        { status: 'rejected', rejection_code: code, rejection_comment: comment, rejected_at: now },
        now,
      ))
    )
      throw new ConflictError();
    const request = await this.requests.find(trx, payment.requestId);
    await this.events.emit(
      trx,
      'payment.rejected',
      { ...payment, reason: code, by: actor.name, reference: request?.reference ?? payment.endToEndId ?? '', requestId: payment.requestId },
      now,
    );
    await this.requests.note(
      trx,
      actor,
      payment.requestId,
      `Virement de ${formatEuros(payment.amountCents)} (${payment.endToEndId}) rejeté par la banque : ${reasonLabel(code)}. Le bailleur doit vérifier les coordonnées bancaires.`,
      now,
    );
    await this.audit.record(trx, actor, {
      entityType: 'payment',
      entityId: payment.id,
      organisationId: payment.organisationId,
      action: 'payment.rejected',
      before: { status: payment.status },
      after: { status: 'rejected', code, comment },
    });
    if (!request) return [];
    // the landlord is told to check its bank details (its administrators manage them)
    const admins = await this.users.activeWithRoles(trx, request.organisationId, ['landlord_admin']);
    const ids: string[] = [];
    for (const u of admins) {
      ids.push(
        await this.mailer.queue(trx, {
          kind: 'payment.rejected',
          to: u.email,
          subject: `Demande ${request.reference} : virement rejeté par la banque`,
          text:
            `Bonjour ${u.firstName},\n\nLe virement de ${formatEuros(payment.amountCents)} pour la demande ${request.reference} (${request.aidTypeLabel}) a été rejeté par la banque : ${reasonLabel(code)}.\n` +
            `Vérifiez les coordonnées bancaires de votre organisation et corrigez-les si besoin (joignez un RIB) :\n${this.baseUrl}/comptes-bancaires\nL’association réémettra le virement une fois le compte vérifié.\n\n— Entraide, l’extranet des aides et de l’accompagnement`,
        }),
      );
    }
    return ids;
  }
}
