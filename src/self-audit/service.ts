import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Config } from '../config';
import { isUuid } from '../db/types';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import { type Actor, can, PRIVILEGED_ROLES, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { InvalidTransitionError, NotFoundError, ValidationError } from '../shared/errors';
import { formatDate } from '../shared/format';
import { coveredWeek, isoWeekKey, mondayOfKey } from '../shared/iso-week';
import { urls } from '../urls';
import { administratorsCheck, inactiveAccountsCheck, inactiveCutoff, secondFactorCheck, severalRolesCheck } from './checks/accounts';
import { advisoriesCheck } from './checks/advisories';
import { backupCheck, diskCheck, type FolderSpace, restoreDrillCheck } from './checks/backups';
import { configuredKeyFiles, keysCheck } from './checks/keys';
import { secretsCheck, proxyCheck } from './checks/configuration';
import { accessAlertsCheck, loginFailuresCheck } from './checks/security-events';
import { type Check, STATUS_LABELS } from './checks/types';
import { type SelfAuditReport, SelfAuditRepository } from './repository';

/** What a weekly run did: made (and mailed) the week's report, or found it made already. */
export interface SelfAuditRunResult {
  periodKey: string;
  made: boolean;
  reportId: string | null;
  counts: SelfAuditReport['counts'];
  mails: number;
}

/** What the self-audit reads outside the database, each by shape (the root wires BackupService and HealthService). */
export interface SelfAuditSources {
  latestBackup(): { name: string; bytes: number; at: Date } | null;
  diskSpace(): Promise<{ data: FolderSpace; backups: FolderSpace }>;
  /** package-lock.json and security/advisories.json */
  advisoryFiles: { lockfile: string; snapshot: string };
  /** how long a lockout lasts (auth: LOCK_MINUTES) */
  lockMinutes: number;
}

/** Deactivates an account through the users area (its own checks, its audit, its sessions closed). */
export type DeactivateUser = (actor: Actor, userId: string) => Promise<unknown>;

/** Raised inside the archiving transaction when another run archived the week first: rolls its mails back. */
class MadeElsewhere extends Error {}

const countsOf = (checks: Check[]): SelfAuditReport['counts'] => ({
  ok: checks.filter((c) => c.status === 'ok').length,
  review: checks.filter((c) => c.status === 'a_revoir').length,
  alert: checks.filter((c) => c.status === 'alerte').length,
});

/** « semaine 48 de 2026 (du 23 au 29 novembre) » */
export function weekLabel(periodKey: string): string {
  const monday = mondayOfKey(periodKey);
  const [year, week] = periodKey.split('-W');
  return monday ? `semaine ${Number(week)} de ${year} (du lundi ${formatDate(monday)})` : periodKey;
}

/**
 * The weekly self-audit (docs/auto-controle.md): every Monday, the checks of accounts, second
 * factor, configuration, backups, security events, dependencies and keys, archived once per ISO
 * week and mailed to the association's administrators; the report's page lists the inactive
 * accounts, each deactivated with one click.
 */
export class SelfAuditService {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly config: Config;
  private readonly audit: AuditService;
  private readonly mailer: Mailer;
  private readonly logger: Logger;
  private readonly sources: SelfAuditSources;
  private readonly deactivateUser: DeactivateUser;
  private readonly repository: SelfAuditRepository;

  constructor(deps: {
    db: Knex;
    clock: Clock;
    config: Config;
    audit: AuditService;
    mailer: Mailer;
    logger: Logger;
    sources: SelfAuditSources;
    deactivateUser: DeactivateUser;
    repository?: SelfAuditRepository;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.config = deps.config;
    this.audit = deps.audit;
    this.mailer = deps.mailer;
    this.logger = deps.logger;
    this.sources = deps.sources;
    this.deactivateUser = deps.deactivateUser;
    this.repository = deps.repository ?? new SelfAuditRepository();
  }

  /** Every check, as of `now`; the counts cover the ISO week before the report's week. */
  async checks(now: Date, periodKey: string): Promise<Check[]> {
    const covered = coveredWeek(periodKey);
    const db = this.db;
    return [
      inactiveAccountsCheck(await this.repository.inactiveAccounts(db, inactiveCutoff(now)), now),
      administratorsCheck(await this.repository.administrators(db)),
      secondFactorCheck(await this.repository.enrolment(db), this.config.secondFactorRoles, PRIVILEGED_ROLES),
      severalRolesCheck(await this.repository.samePersonSeveralRoles(db)),
      secretsCheck(this.config),
      proxyCheck(this.config),
      backupCheck(this.sources.latestBackup(), now),
      restoreDrillCheck(await this.repository.latestRestoreDrill(db), now),
      diskCheck(await this.sources.diskSpace(), this.config.readyMinFreeMb),
      loginFailuresCheck(await this.repository.loginFailures(db, covered.start, covered.end, this.sources.lockMinutes)),
      accessAlertsCheck(await this.repository.accessAlerts(db, covered.start, covered.end)),
      advisoriesCheck(this.sources.advisoryFiles, now),
      await keysCheck(configuredKeyFiles(this.config), now),
    ];
  }

  /**
   * The week's report: made, archived and mailed once per ISO week (`2026-W48`, Paris time); a
   * second run of the same week, or a run racing another, makes and sends nothing.
   */
  async runWeek(periodKey?: string): Promise<SelfAuditRunResult> {
    const now = this.clock.now();
    const key = periodKey ?? isoWeekKey(now);
    if (!mondayOfKey(key)) throw new ValidationError({ period: 'Semaine : AAAA-Wss, par exemple 2026-W48' });
    const none = { periodKey: key, made: false, reportId: null, counts: { ok: 0, review: 0, alert: 0 }, mails: 0 };
    if (await this.repository.exists(this.db, key)) return none;
    const checks = await this.checks(now, key);
    const counts = countsOf(checks);
    const covered = coveredWeek(key);
    const textBody = summaryText(key, checks);
    let outcome: { reportId: string; mailIds: string[] };
    try {
      outcome = await this.db.transaction(async (trx) => {
        const recipients = await this.repository.recipients(trx);
        const reportId = await this.repository.insertOnce(trx, {
          periodKey: key,
          coversFrom: covered.start,
          coversTo: covered.end,
          counts,
          checks,
          textBody,
          recipients: recipients.length,
          now,
        });
        if (reportId === null) throw new MadeElsewhere();
        const link = `${this.config.baseUrl}${urls.selfAuditReport(reportId)}`;
        const mailIds: string[] = [];
        for (const r of recipients)
          mailIds.push(
            await this.mailer.queue(trx, {
              kind: 'self_audit.weekly',
              to: r.email,
              subject: `Auto-contrôle hebdomadaire — ${key} — ${counts.alert} alerte(s), ${counts.review} point(s) à revoir`,
              text: `Bonjour ${r.firstName},\n\n${textBody}\nLe rapport complet, et la désactivation en un clic des comptes inactifs : ${link}\n\n— Entraide, l’extranet des aides et de l’accompagnement`,
            }),
          );
        return { reportId, mailIds };
      });
    } catch (err) {
      if (err instanceof MadeElsewhere) return none;
      throw err;
    }
    await this.mailer.deliver(outcome.mailIds);
    this.logger.info('self-audit made', { event: 'self_audit.made', period: key, ...counts, mails: outcome.mailIds.length });
    return { periodKey: key, made: true, reportId: outcome.reportId, counts, mails: outcome.mailIds.length };
  }

  /** The archived reports, newest week first. */
  async list(actor: Actor): Promise<Array<Omit<SelfAuditReport, 'checks' | 'textBody'> & { weekLabel: string }>> {
    scopeFor(actor, 'self-audit:read');
    return (await this.repository.list(this.db, 200)).map((r) => ({ ...r, weekLabel: weekLabel(r.periodKey) }));
  }

  /** One report, with the accounts' status now (a proposal already followed shows « désactivé ») and whether the reader may deactivate. */
  async get(actor: Actor, id: string): Promise<{ report: SelfAuditReport; weekLabel: string; statuses: Record<string, string>; canDeactivate: boolean }> {
    scopeFor(actor, 'self-audit:read');
    const report = isUuid(id) ? await this.repository.find(this.db, id) : null;
    if (!report) throw new NotFoundError();
    const proposed = report.checks.flatMap((c) => c.accounts ?? []).map((a) => a.userId);
    const statuses = Object.fromEntries(await this.repository.statuses(this.db, proposed));
    return { report, weekLabel: weekLabel(report.periodKey), statuses, canDeactivate: can(actor, 'self-audit:manage') && can(actor, 'users:manage') };
  }

  /**
   * Deactivates an account a report proposed (one click on the report's page): only an account of
   * that report (another answers 404), still active and still unused; the users area deactivates
   * it (audited, sessions closed) and the report's part in it is audited here.
   */
  async deactivate(actor: Actor, reportId: string, userId: string): Promise<{ name: string }> {
    scopeFor(actor, 'self-audit:manage');
    const report = isUuid(reportId) ? await this.repository.find(this.db, reportId) : null;
    const account = report?.checks.flatMap((c) => c.accounts ?? []).find((a) => a.userId === userId);
    if (!report || !account) throw new NotFoundError();
    const status = (await this.repository.statuses(this.db, [userId])).get(userId);
    if (status === undefined) throw new NotFoundError();
    if (status !== 'active') throw new InvalidTransitionError(`Le compte de ${account.name} est déjà désactivé.`);
    if (!(await this.repository.stillInactive(this.db, userId, inactiveCutoff(this.clock.now()))))
      throw new InvalidTransitionError(`${account.name} s’est connecté(e) depuis ce rapport : son compte n’est plus inactif et reste actif.`);
    await this.deactivateUser(actor, userId);
    await this.db.transaction((trx) =>
      this.audit.record(trx, actor, {
        entityType: 'self_audit_report',
        entityId: report.id,
        organisationId: null,
        action: 'self_audit.account_deactivated',
        after: { userId, periodKey: report.periodKey },
      }),
    );
    return { name: account.name };
  }
}

/** The report in words: the counts, then each check not ok with its explanation (what the mail says, archived beside). */
export function summaryText(periodKey: string, checks: Check[]): string {
  const counts = countsOf(checks);
  const lines = [
    `Voici l’auto-contrôle de la ${weekLabel(periodKey)}.`,
    `${checks.length} contrôles : ${counts.ok} ok, ${counts.review} à revoir, ${counts.alert} alerte(s).`,
    '',
  ];
  for (const c of checks.filter((x) => x.status !== 'ok')) {
    lines.push(`[${STATUS_LABELS[c.status]}] ${c.title} : ${c.explanation}`);
    // the lines behind the verdict (an account, a role, a package, a key), never a secret's value
    const shown = (c.items ?? []).filter((i) => c.accounts || (i.status !== undefined && i.status !== 'ok'));
    for (const item of shown.slice(0, 10)) lines.push(`  - ${item.label} : ${item.detail}`);
    if (shown.length > 10) lines.push(`  - et ${shown.length - 10} autre(s), sur la page du rapport`);
    lines.push('');
  }
  if (counts.review + counts.alert === 0) lines.push('Rien à signaler cette semaine.', '');
  return lines.join('\n');
}
