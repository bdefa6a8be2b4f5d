import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { isUuid } from '../db/types';
import type { BlobStore } from '../files/storage';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { OutgoingMail } from '../notifications/repository';
import { type Actor, scopeFor } from '../permissions';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import { addMonths, parisDate } from '../shared/dates';
import { NotFoundError, ValidationError } from '../shared/errors';
import type { StatisticsRefresher } from '../statistics/refresh';
import type { StatisticsService } from '../statistics/service';
import { longMonthLabel, reportContent } from './content';
import { buildReportPdf } from './pdf';
import { type MonthlyReport, MonthlyReportRepository, type ReportRecipient } from './repository';
import { buildReportXlsx } from './xlsx';

/** The path of the Rapports page (the archive and the opt-out), as mails link to it. */
export const REPORTS_PATH = '/rapports';

const PDF = 'application/pdf';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The reports of a month a run made, left alone (already made) and mailed. */
export interface MonthlyRunResult {
  month: string;
  /** reports made (or made again, when forced) */
  reports: number;
  /** reports of this month that existed already and were not sent again */
  already: number;
  /** mails queued (one per recipient and report) */
  mails: number;
}

/** A report as the Rapports page lists it. */
export interface ReportListItem {
  id: string;
  month: string;
  monthLabel: string;
  /** the landlord's name, or « Toute l’association » */
  scopeLabel: string;
  global: boolean;
  recipients: number;
  edition: number;
  updatedAt: Date;
}

/** The target of one report: a landlord, or the association as a whole. */
interface Target {
  organisationId: string | null;
  label: string;
}

/** Raised inside the archiving transaction when another run archived the same report first: rolls its files back. */
class MadeElsewhere extends Error {}

const ASSOCIATION_LABEL = 'Toute l’association';

const slug = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'bailleur';

/**
 * The monthly activity reports (docs/rapports.md): on the 5th, for the month before, one report per
 * member landlord (its own figures, the association's average beside, never another landlord's)
 * mailed to its administrators, and one for the whole association mailed to the association's
 * administrators and the auditors — each a PDF and an XLSX, archived once per month and landlord
 * (`monthly_reports`, unique), so a re-run sends nothing again unless it is forced.
 */
export class MonthlyReportService {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly statistics: StatisticsService;
  private readonly refresher: StatisticsRefresher;
  private readonly settings: SettingsService;
  private readonly mailer: Mailer;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly repository: MonthlyReportRepository;

  constructor(deps: {
    db: Knex;
    clock: Clock;
    statistics: StatisticsService;
    refresher: StatisticsRefresher;
    settings: SettingsService;
    mailer: Mailer;
    blobs: BlobStore;
    audit: AuditService;
    logger: Logger;
    baseUrl: string;
    repository?: MonthlyReportRepository;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.statistics = deps.statistics;
    this.refresher = deps.refresher;
    this.settings = deps.settings;
    this.mailer = deps.mailer;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.logger = deps.logger;
    this.baseUrl = deps.baseUrl;
    this.repository = deps.repository ?? new MonthlyReportRepository();
  }

  /**
   * Makes, archives and mails the reports of a finished month: the association's, then each active
   * landlord's. A report already archived is left alone (not sent again) unless `force`: then it is
   * made again from today's figures, replaces the archived one and is mailed again.
   */
  async sendMonth(month: string, options: { force?: boolean } = {}): Promise<MonthlyRunResult> {
    const force = options.force === true;
    const current = parisDate(this.clock.now()).slice(0, 7);
    if (!MONTH.test(month) || month >= current) throw new ValidationError({ month: `Mois : un mois terminé, AAAA-MM, avant ${current}` });
    // the figures of a recent month are brought up to date first (an older month is rebuilt by the daily refresh)
    if (month >= addMonths(`${current}-01`, -1).slice(0, 7)) await this.refresher.refresh('recent');
    const result: MonthlyRunResult = { month, reports: 0, already: 0, mails: 0 };
    const targets: Target[] = [
      { organisationId: null, label: ASSOCIATION_LABEL },
      ...(await this.repository.landlords(this.db)).map((l) => ({ organisationId: l.id, label: l.name })),
    ];
    const associationId = await this.repository.associationId(this.db);
    for (const target of targets) {
      const outcome = await this.sendOne(month, target, associationId, force);
      if (outcome === null) result.already++;
      else {
        result.reports++;
        result.mails += outcome;
      }
    }
    this.logger.info('monthly reports', { month, reports: result.reports, already: result.already, mails: result.mails, force });
    return result;
  }

  /** One report: null when it was made already (by an earlier run or a concurrent one), else the number of mails queued. */
  private async sendOne(month: string, target: Target, associationId: string | null, force: boolean): Promise<number | null> {
    const existing = await this.repository.findMade(this.db, month, target.organisationId);
    if (existing && !force) return null;
    const { pdf, xlsx } = await this.build(month, target, associationId);
    const now = this.clock.now();
    const names = this.fileNames(month, target);
    let mailIds: string[];
    try {
      mailIds = await this.db.transaction(async (trx) => {
        const pdfBlob = await this.blobs.put(trx, pdf, PDF);
        const xlsxBlob = await this.blobs.put(trx, xlsx, XLSX);
        const recipients: ReportRecipient[] =
          target.organisationId === null
            ? await this.repository.associationRecipients(trx)
            : await this.repository.landlordRecipients(trx, target.organisationId);
        const files = { pdfBlobId: pdfBlob.id, xlsxBlobId: xlsxBlob.id, recipients: recipients.length, now };
        if (existing) {
          const old = await this.repository.replace(trx, existing.id, files);
          // the former files go, unless a mail sent before still carries them
          for (const blobId of old ? [old.pdfBlobId, old.xlsxBlobId] : [])
            if (!(await this.repository.blobInMail(trx, blobId))) await this.blobs.remove(trx, blobId);
        } else if ((await this.repository.insertOnce(trx, { month, organisationId: target.organisationId, ...files })) === null) {
          throw new MadeElsewhere();
        }
        const ids: string[] = [];
        for (const r of recipients)
          ids.push(
            await this.mailer.queue(trx, {
              ...this.mail(r, month, target, existing !== null),
              attachments: [
                { filename: names.pdf, contentType: PDF, blobId: pdfBlob.id },
                { filename: names.xlsx, contentType: XLSX, blobId: xlsxBlob.id },
              ],
            }),
          );
        return ids;
      });
    } catch (err) {
      if (err instanceof MadeElsewhere) return null;
      throw err;
    }
    await this.mailer.deliver(mailIds);
    return mailIds.length;
  }

  /** The PDF and XLSX of a report, from the statistics of the target's reach (same figures, same secrecy as the Statistiques page). */
  private async build(month: string, target: Target, associationId: string | null): Promise<{ pdf: Buffer; xlsx: Buffer }> {
    // the reach of the report's readers: a landlord administrator of that landlord, or an administrator of the association
    const reader: Actor =
      target.organisationId === null
        ? { userId: '', role: 'admin', organisationId: associationId ?? '', organisationKind: 'association', name: 'Rapports mensuels' }
        : { userId: '', role: 'landlord_admin', organisationId: target.organisationId, organisationKind: 'landlord', name: 'Rapports mensuels' };
    const view = await this.statistics.view(reader, { du: month, au: month, comparer: 'annee' });
    const trend = await this.statistics.view(reader, { du: addMonths(`${month}-01`, -11).slice(0, 7), au: month, comparer: 'non' }, 'charts');
    const letterhead = (await this.settings.get()).letterhead;
    const content = reportContent({ month, scopeLabel: target.label, letterhead, view, trend });
    return { pdf: await buildReportPdf(content), xlsx: await buildReportXlsx(content) };
  }

  private fileNames(month: string, target: Target): { pdf: string; xlsx: string } {
    const base = `rapport-mensuel-${month}-${target.organisationId === null ? 'association' : slug(target.label)}`;
    return { pdf: `${base}.pdf`, xlsx: `${base}.xlsx` };
  }

  private mail(to: ReportRecipient, month: string, target: Target, again: boolean): OutgoingMail {
    const label = longMonthLabel(month);
    const whose = target.organisationId === null ? 'de toute l’association' : `de ${target.label}`;
    const link = `${this.baseUrl}${REPORTS_PATH}`;
    return {
      kind: 'report.monthly',
      to: to.email,
      subject: `Rapport mensuel d’activité — ${label} — ${target.label}`,
      text:
        `Bonjour ${to.firstName},\n\n` +
        `Voici le rapport mensuel d’activité ${whose} pour ${label}${again ? ' (nouvelle édition : elle remplace la précédente)' : ''} : ` +
        `demandes d’aide reçues, décidées et accordées, montants, délais et accompagnements, à côté du même mois un an avant` +
        `${target.organisationId === null ? '' : ' et de la moyenne par bailleur adhérent'}.\n` +
        `Le PDF (graphiques et tableaux) et le classeur XLSX (les mêmes chiffres) sont joints. Un chiffre derrière lequel se trouvent moins de 5 ménages est remplacé par « < 5 » ; aucune donnée personnelle.\n\n` +
        `Tous les rapports archivés : ${link}\n` +
        `Pour ne plus recevoir ce rapport par courriel : ${link}#abonnement (il reste consultable sur la page Rapports).\n\n` +
        '— Entraide, l’extranet des aides et de l’accompagnement',
    };
  }

  /** The reports the person may read: a landlord administrator its organisation's, the association and the auditor a month's (all landlords and the association's). */
  async list(actor: Actor, month?: string): Promise<{ months: string[]; month: string | null; reports: ReportListItem[] }> {
    const scope = scopeFor(actor, 'reports:read');
    const months = await this.repository.months(this.db, scope);
    const chosen = scope.all ? (month && months.includes(month) ? month : (months[0] ?? null)) : null;
    const reports = chosen === null && scope.all ? [] : await this.repository.list(this.db, scope, chosen, 500);
    return { months, month: chosen, reports: reports.map(toItem) };
  }

  /** A report's PDF or XLSX, if the person may read it (another landlord's answers 404). */
  async file(actor: Actor, id: string, format: 'pdf' | 'xlsx'): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const scope = scopeFor(actor, 'reports:read');
    const report = isUuid(id) ? await this.repository.find(this.db, scope, id) : null;
    if (!report) throw new NotFoundError();
    const blob = await this.blobs.get(this.db, format === 'pdf' ? report.pdfBlobId : report.xlsxBlobId);
    if (!blob) throw new NotFoundError();
    const names = this.fileNames(report.month, { organisationId: report.organisationId, label: report.organisationName ?? ASSOCIATION_LABEL });
    return { fileName: format === 'pdf' ? names.pdf : names.xlsx, contentType: format === 'pdf' ? PDF : XLSX, data: blob.data };
  }

  /** Whether the person receives the monthly report by mail. */
  async receives(actor: Actor): Promise<boolean> {
    scopeFor(actor, 'reports:read');
    return !(await this.repository.optedOut(this.db, actor.userId));
  }

  /** The person's choice to receive the report by mail or not (audited). */
  async setReceives(actor: Actor, receives: boolean): Promise<void> {
    scopeFor(actor, 'reports:read');
    await this.db.transaction(async (trx) => {
      const before = !(await this.repository.optedOut(trx, actor.userId));
      if (before === receives) return;
      await this.repository.setOptOut(trx, actor.userId, !receives);
      await this.audit.record(trx, actor, {
        entityType: 'user',
        entityId: actor.userId,
        organisationId: actor.organisationId,
        action: receives ? 'user.monthly_report_opt_in' : 'user.monthly_report_opt_out',
        before: { monthlyReport: before },
        after: { monthlyReport: receives },
      });
    });
  }
}

const toItem = (r: MonthlyReport): ReportListItem => ({
  id: r.id,
  month: r.month,
  monthLabel: longMonthLabel(r.month),
  scopeLabel: r.organisationName ?? ASSOCIATION_LABEL,
  global: r.organisationId === null,
  recipients: r.recipients,
  edition: r.edition,
  updatedAt: r.updatedAt,
});
