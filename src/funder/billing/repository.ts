import type { Db } from '../../db/types';

/** A mission billing line not invoiced yet, with what its invoice line says. */
export interface PendingBillingLine {
  id: string;
  reference: string;
  orientationAsd: string | null;
  landlordName: string;
  landlordSiren: string | null;
  typeLabel: string;
  billingMode: 'hourly' | 'flat';
  minutes: number;
  rateCents: number;
  amountCents: number;
}

export type InvoiceNature = 'accompagnement' | 'frais_gestion' | 'aide_versee';
export type InvoiceUnit = 'heure' | 'forfait' | 'aide';

export interface InvoiceLine {
  line: number;
  recordId: string;
  nature: InvoiceNature;
  billingLineId: string | null;
  reference: string | null;
  label: string;
  quantity: number;
  unit: InvoiceUnit;
  unitPriceCents: number;
  amountCents: number;
}

export interface FunderInvoice {
  id: string;
  number: string;
  year: number;
  sequence: number;
  month: string;
  issuedOn: string;
  dueOn: string;
  lines: number;
  missionsCents: number;
  feesCents: number;
  totalHtCents: number;
  totalTtcCents: number;
  pdfBlobId: string;
  funderFileId: string;
  fileName: string;
  fileStatus: string;
  createdAt: Date;
}

interface InvoiceRow {
  id: string;
  number: string;
  year: number;
  sequence: number;
  month: string;
  issued_on: string;
  due_on: string;
  lines: number;
  missions_cents: string | number;
  fees_cents: string | number;
  total_ht_cents: string | number;
  total_ttc_cents: string | number;
  pdf_blob_id: string;
  funder_file_id: string;
  file_name: string;
  file_status: string;
  created_at: Date;
}

const toInvoice = (r: InvoiceRow): FunderInvoice => ({
  id: r.id,
  number: r.number,
  year: Number(r.year),
  sequence: Number(r.sequence),
  month: r.month,
  issuedOn: r.issued_on,
  dueOn: r.due_on,
  lines: Number(r.lines),
  missionsCents: Number(r.missions_cents),
  feesCents: Number(r.fees_cents),
  totalHtCents: Number(r.total_ht_cents),
  totalTtcCents: Number(r.total_ttc_cents),
  pdfBlobId: r.pdf_blob_id,
  funderFileId: r.funder_file_id,
  fileName: r.file_name,
  fileStatus: r.file_status,
  createdAt: r.created_at,
});

/** The invoices to Action Logement, their lines and numbering, and the billing lines they bill. */
export class FunderBillingRepository {
  /** Serialises invoicing runs (two runners, a person and the job) until the transaction ends. */
  async lock(trx: Db): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:funder-billing'))");
  }

  /** The billing lines of the missions closed in a month (AAAA-MM) that no invoice bills yet, by mission reference. */
  async pendingLines(trx: Db, month: string): Promise<PendingBillingLine[]> {
    const rows = await trx('mission_billing_lines as b')
      .join('missions as m', 'm.id', 'b.mission_id')
      .join('organisations as o', 'o.id', 'b.organisation_id')
      .join('mission_types as t', 't.id', 'b.mission_type_id')
      .leftJoin('funder_invoice_lines as l', 'l.billing_line_id', 'b.id')
      .where('b.period', month)
      .whereIn('m.status', ['completed', 'interrupted'])
      .whereNull('l.id')
      .orderBy('m.reference')
      .select<
        Array<{
          id: string;
          reference: string;
          orientation_asd: string | null;
          landlord_name: string;
          landlord_siren: string | null;
          type_label: string;
          billing_mode: 'hourly' | 'flat';
          minutes: number;
          rate_cents: string | number;
          amount_cents: string | number;
        }>
      >(
        'b.id',
        'm.reference',
        'm.orientation_asd',
        'o.name as landlord_name',
        'o.siren as landlord_siren',
        't.label as type_label',
        'b.billing_mode',
        'b.minutes',
        'b.rate_cents',
        'b.amount_cents',
      );
    return rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      orientationAsd: r.orientation_asd,
      landlordName: r.landlord_name,
      landlordSiren: r.landlord_siren?.trim() ?? null,
      typeLabel: r.type_label,
      billingMode: r.billing_mode,
      minutes: Number(r.minutes),
      rateCents: Number(r.rate_cents),
      amountCents: Number(r.amount_cents),
    }));
  }

  /** The next invoice number of a year: no gap, never twice (the year's row stays locked until the commit). */
  async nextSequence(trx: Db, year: number): Promise<number> {
    const result = await trx.raw<{ rows: Array<{ last_number: number }> }>(
      'insert into funder_invoice_sequences (year, last_number) values (?, 1) on conflict (year) do update set last_number = funder_invoice_sequences.last_number + 1 returning last_number',
      [year],
    );
    return Number(result.rows[0]!.last_number);
  }

  /** The association's SIREN (its organisation), printed on the invoice. */
  async associationSiren(db: Db): Promise<string | null> {
    const row = await db('organisations').where('kind', 'association').orderBy('created_at').first<{ siren: string | null } | undefined>('siren');
    return row?.siren?.trim() ?? null;
  }

  async insert(
    trx: Db,
    invoice: Omit<FunderInvoice, 'id' | 'fileName' | 'fileStatus' | 'createdAt' | 'lines'>,
    lines: readonly InvoiceLine[],
    now: Date,
  ): Promise<string> {
    const [row] = await trx('funder_invoices')
      .insert({
        number: invoice.number,
        year: invoice.year,
        sequence: invoice.sequence,
        month: invoice.month,
        issued_on: invoice.issuedOn,
        due_on: invoice.dueOn,
        lines: lines.length,
        missions_cents: invoice.missionsCents,
        fees_cents: invoice.feesCents,
        total_ht_cents: invoice.totalHtCents,
        total_ttc_cents: invoice.totalTtcCents,
        pdf_blob_id: invoice.pdfBlobId,
        funder_file_id: invoice.funderFileId,
        created_at: now,
      })
      .returning<Array<{ id: string }>>('id');
    const id = row!.id;
    await trx('funder_invoice_lines').insert(
      lines.map((l) => ({
        invoice_id: id,
        line: l.line,
        record_id: l.recordId,
        nature: l.nature,
        billing_line_id: l.billingLineId,
        reference: l.reference,
        label: l.label,
        quantity: l.quantity,
        unit: l.unit,
        unit_price_cents: l.unitPriceCents,
        amount_cents: l.amountCents,
      })),
    );
    return id;
  }

  private invoices(db: Db) {
    return db('funder_invoices as i')
      .join('funder_files as f', 'f.id', 'i.funder_file_id')
      .select<InvoiceRow[]>('i.*', 'f.name as file_name', 'f.status as file_status');
  }

  /** Every invoice, latest first. */
  async list(db: Db): Promise<FunderInvoice[]> {
    return (
      await this.invoices(db).orderBy([
        { column: 'i.year', order: 'desc' },
        { column: 'i.sequence', order: 'desc' },
      ])
    ).map(toInvoice);
  }

  async find(db: Db, id: string): Promise<FunderInvoice | null> {
    const [row] = await this.invoices(db).where('i.id', id);
    return row ? toInvoice(row) : null;
  }

  async lines(db: Db, invoiceId: string): Promise<InvoiceLine[]> {
    const rows = await db('funder_invoice_lines').where('invoice_id', invoiceId).orderBy('line');
    return rows.map((r: Record<string, unknown>) => ({
      line: Number(r.line),
      recordId: String(r.record_id),
      nature: r.nature as InvoiceNature,
      billingLineId: (r.billing_line_id as string | null) ?? null,
      reference: (r.reference as string | null) ?? null,
      label: String(r.label),
      quantity: Number(r.quantity),
      unit: r.unit as InvoiceUnit,
      unitPriceCents: Number(r.unit_price_cents),
      amountCents: Number(r.amount_cents),
    }));
  }
}
