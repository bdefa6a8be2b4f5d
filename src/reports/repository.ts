import type { Knex } from 'knex';
import type { Db } from '../db/types';
import type { Scope } from '../permissions';

/** An archived monthly report: the month, whose (null: the association's), its two files. */
export interface MonthlyReport {
  id: string;
  month: string;
  organisationId: string | null;
  /** the landlord's name; null for the association's report */
  organisationName: string | null;
  pdfBlobId: string;
  xlsxBlobId: string;
  recipients: number;
  edition: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A person a report is mailed to. */
export interface ReportRecipient {
  id: string;
  email: string;
  firstName: string;
}

interface ReportRow {
  id: string;
  month: string;
  organisation_id: string | null;
  organisation_name: string | null;
  pdf_blob_id: string;
  xlsx_blob_id: string;
  recipients: number;
  edition: number;
  created_at: Date;
  updated_at: Date;
}

const toReport = (r: ReportRow): MonthlyReport => ({
  id: r.id,
  month: r.month,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  pdfBlobId: r.pdf_blob_id,
  xlsxBlobId: r.xlsx_blob_id,
  recipients: Number(r.recipients),
  edition: Number(r.edition),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The archive of the monthly reports, who receives them and who chose not to. */
export class MonthlyReportRepository {
  private select(db: Db) {
    return db('monthly_reports as r')
      .leftJoin('organisations as o', 'o.id', 'r.organisation_id')
      .select(
        'r.id',
        'r.month',
        'r.organisation_id',
        'o.name as organisation_name',
        'r.pdf_blob_id',
        'r.xlsx_blob_id',
        'r.recipients',
        'r.edition',
        'r.created_at',
        'r.updated_at',
      );
  }

  /** The reports a scope reaches (of one month, or all), newest month first, the association's before the landlords' of a month. */
  async list(db: Db, scope: Scope, month: string | null, limit: number): Promise<MonthlyReport[]> {
    const q = this.select(db).orderBy('r.month', 'desc').orderByRaw('r.organisation_id is not null').orderBy('o.name').limit(limit);
    if (!scope.all) q.where('r.organisation_id', scope.organisationId);
    if (month !== null) q.where('r.month', month);
    return ((await q) as ReportRow[]).map(toReport);
  }

  /** The months a scope has reports of, newest first. */
  async months(db: Db, scope: Scope): Promise<string[]> {
    const q = db('monthly_reports').distinct('month').orderBy('month', 'desc');
    if (!scope.all) q.where('organisation_id', scope.organisationId);
    return ((await q) as Array<{ month: string }>).map((r) => r.month);
  }

  /** The association (its administrators read the association's report). */
  async associationId(db: Db): Promise<string | null> {
    const row = await db<{ id: string; kind: string; created_at: Date }>('organisations').where({ kind: 'association' }).orderBy('created_at').first('id');
    return row?.id ?? null;
  }

  /** One report, if the scope reaches it (another organisation's answers null, like a missing one). */
  async find(db: Db, scope: Scope, id: string): Promise<MonthlyReport | null> {
    const q = this.select(db).where('r.id', id);
    if (!scope.all) q.where('r.organisation_id', scope.organisationId);
    const row = (await q.first()) as ReportRow | undefined;
    return row ? toReport(row) : null;
  }

  /** The report of a month for a landlord (or the association: null), whoever asks (the job). */
  async findMade(db: Db, month: string, organisationId: string | null): Promise<MonthlyReport | null> {
    const q = this.select(db).where('r.month', month);
    if (organisationId === null) q.whereNull('r.organisation_id');
    else q.where('r.organisation_id', organisationId);
    const row = (await q.first()) as ReportRow | undefined;
    return row ? toReport(row) : null;
  }

  /**
   * Archives a report once: null when the month's report of that landlord (or of the association)
   * exists already. A concurrent insert waits on the unique constraint until the other commits.
   */
  async insertOnce(
    db: Db,
    r: { month: string; organisationId: string | null; pdfBlobId: string; xlsxBlobId: string; recipients: number; now: Date },
  ): Promise<string | null> {
    const rows = await db('monthly_reports')
      .insert({
        month: r.month,
        organisation_id: r.organisationId,
        pdf_blob_id: r.pdfBlobId,
        xlsx_blob_id: r.xlsxBlobId,
        recipients: r.recipients,
        edition: 1,
        created_at: r.now,
        updated_at: r.now,
      })
      .onConflict(db.raw('on constraint monthly_reports_once'))
      .ignore()
      .returning<Array<{ id: string }>>('id');
    return rows[0]?.id ?? null;
  }

  /** A forced re-run: the report made again replaces the archived one (locked, so two re-runs take turns). */
  async replace(
    db: Db,
    id: string,
    r: { pdfBlobId: string; xlsxBlobId: string; recipients: number; now: Date },
  ): Promise<{ pdfBlobId: string; xlsxBlobId: string } | null> {
    const old = await db<{ id: string; pdf_blob_id: string; xlsx_blob_id: string }>('monthly_reports')
      .where({ id })
      .forUpdate()
      .first('pdf_blob_id', 'xlsx_blob_id');
    if (!old) return null;
    await db('monthly_reports')
      .where({ id })
      .update({ pdf_blob_id: r.pdfBlobId, xlsx_blob_id: r.xlsxBlobId, recipients: r.recipients, updated_at: r.now, edition: db.raw('edition + 1') });
    return { pdfBlobId: old.pdf_blob_id, xlsxBlobId: old.xlsx_blob_id };
  }

  /** Whether a blob is still referred to by a mail (the attachment of a report sent before). */
  async blobInMail(db: Db, blobId: string): Promise<boolean> {
    return (await db('mail_attachments').where({ blob_id: blobId }).first('id')) !== undefined;
  }

  /** The member landlords reported on (active ones), by name. */
  async landlords(db: Db): Promise<Array<{ id: string; name: string }>> {
    return db<{ id: string; name: string; kind: string; status: string }>('organisations')
      .where({ kind: 'landlord', status: 'active' })
      .orderBy('name')
      .select('id', 'name');
  }

  /** A landlord's active administrators who did not opt out. */
  async landlordRecipients(db: Db, organisationId: string): Promise<ReportRecipient[]> {
    return this.recipients(db, (q) => q.where({ organisation_id: organisationId, role: 'landlord_admin' }));
  }

  /** The association's active administrators and the auditors who did not opt out. */
  async associationRecipients(db: Db): Promise<ReportRecipient[]> {
    return this.recipients(db, (q) => q.whereIn('role', ['admin', 'auditor']));
  }

  private async recipients(db: Db, narrow: (q: Knex.QueryBuilder) => unknown): Promise<ReportRecipient[]> {
    const q = db('users').where({ status: 'active', monthly_report_opt_out: false }).orderBy('email').select('id', 'email', 'first_name');
    narrow(q);
    return ((await q) as Array<{ id: string; email: string; first_name: string }>).map((u) => ({ id: u.id, email: u.email, firstName: u.first_name }));
  }

  async optedOut(db: Db, userId: string): Promise<boolean> {
    const row = await db<{ id: string; monthly_report_opt_out: boolean }>('users').where({ id: userId }).first('monthly_report_opt_out');
    return row?.monthly_report_opt_out === true;
  }

  async setOptOut(db: Db, userId: string, optOut: boolean): Promise<void> {
    await db('users').where({ id: userId }).update({ monthly_report_opt_out: optOut });
  }
}
