import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import { isUuid } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Logger } from '../../logger';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { addDays, addMonths, parisDate } from '../../shared/dates';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { formatBasisPoints } from '../../shared/format';
import { isValidSiren } from '../../shared/luhn';
import type { Delivery, OutboundRecord, OutboundSender } from '../outbound/sender';
import { buildInvoicePdf } from './invoice-pdf';
import { type FunderInvoice, FunderBillingRepository, type InvoiceLine, type PendingBillingLine } from './repository';
import type { FunderBillingSettings, FunderBillingSettingsStore } from './settings';

/** What one invoicing run did: the invoice (null when there was nothing to bill), the missions held back, the deliveries. */
export interface InvoiceRun {
  month: string;
  invoice: FunderInvoice | null;
  /** references of the missions left un-invoiced because their landlord has no valid SIREN */
  heldBack: string[];
  deliveries: Delivery[];
}

const BILLING: SystemActor = { userId: null, name: 'Facturation Action Logement' };
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The month before a date's month (AAAA-MM). */
export const previousMonth = (date: string): string => addMonths(`${date.slice(0, 7)}-01`, -1).slice(0, 7);
const lastDayOf = (month: string): string => addDays(addMonths(`${month}-01`, 1), -1);
/** cents × basis points, rounded half up to the cent */
export const feeOf = (cents: number, basisPoints: number): number => Math.floor((cents * basisPoints * 2 + 10_000) / 20_000);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The monthly invoice to Action Logement (docs/echanges/facturation.md). In one transaction,
 * under an advisory lock: the billing lines of the missions closed in the month that no invoice
 * bills yet, the management fees of the settings, the next number of the year, the PDF, the lines
 * marked invoiced (a unique link: never twice) and the FACTURATION file whose control total is the
 * invoice's; the file is delivered after the commit. A month with nothing to bill makes no invoice.
 */
export class FunderBilling {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly blobs: BlobStore;
  private readonly outbound: OutboundSender;
  private readonly settings: SettingsService;
  private readonly billingSettings: FunderBillingSettingsStore;
  private readonly audit: AuditService;
  private readonly logger: Logger;
  private readonly repository: FunderBillingRepository;

  constructor(deps: {
    db: Knex;
    clock: Clock;
    blobs: BlobStore;
    outbound: OutboundSender;
    settings: SettingsService;
    billingSettings: FunderBillingSettingsStore;
    audit: AuditService;
    logger: Logger;
    repository?: FunderBillingRepository;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.blobs = deps.blobs;
    this.outbound = deps.outbound;
    this.settings = deps.settings;
    this.billingSettings = deps.billingSettings;
    this.audit = deps.audit;
    this.logger = deps.logger;
    this.repository = deps.repository ?? new FunderBillingRepository();
  }

  /** Invoices a finished month (AAAA-MM; the previous month by default), once. */
  async invoiceMonth(month: string = previousMonth(parisDate(this.clock.now()))): Promise<InvoiceRun> {
    if (!MONTH.test(month)) throw new ValidationError({ month: 'Choisissez un mois, par exemple 2026-11' });
    const now = this.clock.now();
    const today = parisDate(now);
    if (month >= today.slice(0, 7)) throw new ValidationError({ month: 'Ce mois n’est pas terminé : il se facture à partir du 1er du mois suivant' });

    const made = await this.db.transaction(async (trx) => {
      await this.repository.lock(trx);
      const pending = await this.repository.pendingLines(trx, month);
      const billable = pending.filter((l) => l.landlordSiren !== null && isValidSiren(l.landlordSiren));
      const heldBack = pending.filter((l) => !billable.includes(l)).map((l) => l.reference);
      if (billable.length === 0) return { invoiceId: null, heldBack };

      const settings = await this.billingSettings.get(trx);
      const year = Number(today.slice(0, 4));
      const sequence = await this.repository.nextSequence(trx, year);
      const number = `F${year}-${pad(sequence, 6)}`;
      const lines = invoiceLines(number, billable, settings);
      const missionsCents = sum(lines.filter((l) => l.nature !== 'frais_gestion'));
      const feesCents = sum(lines.filter((l) => l.nature === 'frais_gestion'));
      const totalCents = missionsCents + feesCents;
      const byLine = new Map(billable.map((b) => [b.id, b]));
      const records = lines.map((l) => toRecord(number, l, l.billingLineId ? byLine.get(l.billingLineId) : undefined));

      const file = await this.outbound.prepare(trx, {
        flow: 'FACTURATION',
        periodStart: `${month}-01`,
        periodEnd: lastDayOf(month),
        records,
        totals: { montant_centimes: totalCents },
      });
      const dueOn = addDays(today, settings.paymentDays);
      const pdf = await buildInvoicePdf({
        letterhead: (await this.settings.get(trx)).letterhead,
        associationSiren: await this.repository.associationSiren(trx),
        buyer: settings.buyer,
        number,
        month,
        issuedOn: today,
        dueOn,
        paymentDays: settings.paymentDays,
        iban: settings.iban,
        bic: settings.bic,
        lines,
        totalHtCents: totalCents,
        totalTtcCents: totalCents,
        fileName: file.file,
      });
      const blob = await this.blobs.put(trx, pdf, 'application/pdf');
      const invoiceId = await this.repository.insert(
        trx,
        {
          number,
          year,
          sequence,
          month,
          issuedOn: today,
          dueOn,
          missionsCents,
          feesCents,
          totalHtCents: totalCents,
          totalTtcCents: totalCents,
          pdfBlobId: blob.id,
          funderFileId: file.fileId,
        },
        lines,
        now,
      );
      await this.audit.record(trx, BILLING, {
        entityType: 'funder_invoice',
        entityId: invoiceId,
        organisationId: null,
        action: 'funder_invoice.issued',
        after: { number, month, lines: lines.length, missionsCents, feesCents, totalCents, file: file.file },
      });
      return { invoiceId, heldBack };
    });

    if (made.heldBack.length) this.logger.warn('funder billing: missions held back (landlord without a valid SIREN)', { month, count: made.heldBack.length });
    const deliveries = await this.outbound.deliver();
    const invoice = made.invoiceId ? await this.repository.find(this.db, made.invoiceId) : null;
    this.logger.info('funder billing', { month, invoice: invoice?.number ?? null, lines: invoice?.lines ?? 0, heldBack: made.heldBack.length });
    return { month, invoice, heldBack: made.heldBack, deliveries };
  }

  /** Every invoice, latest first, with its file's name and status. */
  list(): Promise<FunderInvoice[]> {
    return this.repository.list(this.db);
  }

  /** An invoice and its lines. */
  async invoice(invoiceId: string): Promise<{ invoice: FunderInvoice; lines: InvoiceLine[] }> {
    const invoice = isUuid(invoiceId) ? await this.repository.find(this.db, invoiceId) : null;
    if (!invoice) throw new NotFoundError();
    return { invoice, lines: await this.repository.lines(this.db, invoice.id) };
  }

  /** The PDF of an invoice, as issued, for a download. */
  async invoicePdf(invoiceId: string): Promise<{ fileName: string; data: Buffer }> {
    const invoice = isUuid(invoiceId) ? await this.repository.find(this.db, invoiceId) : null;
    const blob = invoice ? await this.blobs.get(this.db, invoice.pdfBlobId) : null;
    if (!invoice || !blob) throw new NotFoundError();
    return { fileName: `facture-${invoice.number}.pdf`, data: blob.data };
  }
}

const sum = (lines: readonly InvoiceLine[]): number => lines.reduce((a, l) => a + l.amountCents, 0);

/** The missions billed (hours × rate, or the flat fee, as the billing line says), then the management fees. */
function invoiceLines(number: string, billable: readonly PendingBillingLine[], settings: FunderBillingSettings): InvoiceLine[] {
  const lines: Array<Omit<InvoiceLine, 'line' | 'recordId'>> = billable.map((b) => ({
    nature: 'accompagnement',
    billingLineId: b.id,
    reference: b.reference,
    label: `${b.reference} · ${b.typeLabel} · ${b.landlordName}`,
    // hours to the hundredth; the amount is the billing line's, computed from the minutes
    quantity: b.billingMode === 'hourly' ? Math.round((b.minutes * 100) / 60) / 100 : 1,
    unit: b.billingMode === 'hourly' ? 'heure' : 'forfait',
    unitPriceCents: b.rateCents,
    amountCents: b.amountCents,
  }));
  const missionsCents = lines.reduce((a, l) => a + l.amountCents, 0);
  const fee = (label: string, cents: number) => ({
    nature: 'frais_gestion' as const,
    billingLineId: null,
    reference: null,
    label,
    quantity: 1,
    unit: 'forfait' as const,
    unitPriceCents: cents,
    amountCents: cents,
  });
  if (settings.flatFeeCents > 0) lines.push(fee('Frais de gestion — forfait mensuel', settings.flatFeeCents));
  const proportional = feeOf(missionsCents, settings.feeRateBasisPoints);
  if (proportional > 0)
    lines.push(fee(`Frais de gestion — ${formatBasisPoints(settings.feeRateBasisPoints).replace(/\u202f/g, '\u00a0')} des accompagnements`, proportional));
  return lines.map((l, i) => ({ ...l, line: i + 1, recordId: `${number}-${pad(i + 1, 3)}` }));
}

/** One FACTURATION record (docs/echanges/facturation.v1.schema.json). */
function toRecord(number: string, l: InvoiceLine, billed: PendingBillingLine | undefined): OutboundRecord {
  return {
    id: l.recordId,
    numero_facture: number,
    ligne: l.line,
    nature: l.nature,
    ...(billed
      ? {
          reference: billed.reference,
          bailleur_siren: billed.landlordSiren ?? '',
          ...(billed.orientationAsd ? { orientation_asd: billed.orientationAsd } : {}),
        }
      : {}),
    quantite: l.quantity,
    unite: l.unit,
    prix_unitaire_centimes: l.unitPriceCents,
    montant_centimes: l.amountCents,
  };
}
