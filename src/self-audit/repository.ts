import type { Db } from '../db/types';
import type { Role } from '../permissions';
import type { AccountRow, OrganisationAdmins, RoleEnrolment, SamePerson } from './checks/accounts';
import type { RestoreDrill } from './checks/backups';
import type { LoginFailures } from './checks/security-events';
import type { Check } from './checks/types';

/** An archived weekly report. */
export interface SelfAuditReport {
  id: string;
  periodKey: string;
  coversFrom: Date;
  coversTo: Date;
  counts: { ok: number; review: number; alert: number };
  checks: Check[];
  textBody: string;
  recipients: number;
  createdAt: Date;
}

interface ReportRow {
  id: string;
  period_key: string;
  covers_from: Date;
  covers_to: Date;
  ok_count: number;
  review_count: number;
  alert_count: number;
  report: { checks: Check[] } | string;
  text_body: string;
  recipients: number;
  created_at: Date;
}

const toReport = (r: ReportRow): SelfAuditReport => ({
  id: r.id,
  periodKey: r.period_key,
  coversFrom: r.covers_from,
  coversTo: r.covers_to,
  counts: { ok: Number(r.ok_count), review: Number(r.review_count), alert: Number(r.alert_count) },
  checks: (typeof r.report === 'string' ? (JSON.parse(r.report) as { checks: Check[] }) : r.report).checks,
  textBody: r.text_body,
  recipients: Number(r.recipients),
  createdAt: r.created_at,
});

/** The weekly reports' archive, and what the checks read in the database (accounts, locks, alerts, drills). */
export class SelfAuditRepository {
  /** Archives the week's report once: null when this week's report exists already (a concurrent insert waits on the unique key). */
  async insertOnce(
    db: Db,
    r: {
      periodKey: string;
      coversFrom: Date;
      coversTo: Date;
      counts: SelfAuditReport['counts'];
      checks: Check[];
      textBody: string;
      recipients: number;
      now: Date;
    },
  ): Promise<string | null> {
    const rows = await db('self_audit_reports')
      .insert({
        period_key: r.periodKey,
        covers_from: r.coversFrom,
        covers_to: r.coversTo,
        ok_count: r.counts.ok,
        review_count: r.counts.review,
        alert_count: r.counts.alert,
        report: JSON.stringify({ checks: r.checks }),
        text_body: r.textBody,
        recipients: r.recipients,
        created_at: r.now,
      })
      .onConflict('period_key')
      .ignore()
      .returning<Array<{ id: string }>>('id');
    return rows[0]?.id ?? null;
  }

  async exists(db: Db, periodKey: string): Promise<boolean> {
    return (await db('self_audit_reports').where({ period_key: periodKey }).first('id')) !== undefined;
  }

  /** The reports, newest week first (without their checks). */
  async list(db: Db, limit: number): Promise<Array<Omit<SelfAuditReport, 'checks' | 'textBody'>>> {
    const rows = await db<ReportRow>('self_audit_reports')
      .orderBy('period_key', 'desc')
      .limit(limit)
      .select('id', 'period_key', 'covers_from', 'covers_to', 'ok_count', 'review_count', 'alert_count', 'recipients', 'created_at');
    return rows.map((r) => {
      const { checks: _c, textBody: _t, ...rest } = toReport({ ...r, report: { checks: [] }, text_body: '' });
      return rest;
    });
  }

  async find(db: Db, id: string): Promise<SelfAuditReport | null> {
    const row = await db<ReportRow>('self_audit_reports').where({ id }).first();
    return row ? toReport(row) : null;
  }

  /** The association's active administrators: the report's readers by mail. */
  async recipients(db: Db): Promise<Array<{ email: string; firstName: string }>> {
    const rows = await db('users as u')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where({ 'o.kind': 'association', 'u.role': 'admin', 'u.status': 'active' })
      .orderBy('u.email')
      .select<Array<{ email: string; first_name: string }>>('u.email', 'u.first_name');
    return rows.map((r) => ({ email: r.email, firstName: r.first_name }));
  }

  /** Active accounts last used (or, never used, created) at or before the cutoff, the longest unused first. */
  async inactiveAccounts(db: Db, cutoff: Date): Promise<AccountRow[]> {
    const rows = await db('users as u')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where('u.status', 'active')
      .andWhere((q) => q.where('u.last_login_at', '<=', cutoff).orWhere((n) => n.whereNull('u.last_login_at').andWhere('u.created_at', '<=', cutoff)))
      .orderByRaw('coalesce(u.last_login_at, u.created_at)')
      .orderBy('u.email')
      .select<
        Array<{ id: string; first_name: string; last_name: string; email: string; role: Role; name: string; last_login_at: Date | null; created_at: Date }>
      >('u.id', 'u.first_name', 'u.last_name', 'u.email', 'u.role', 'o.name', 'u.last_login_at', 'u.created_at');
    return rows.map((r) => ({
      id: r.id,
      firstName: r.first_name,
      lastName: r.last_name,
      email: r.email,
      role: r.role,
      organisationName: r.name,
      lastLoginAt: r.last_login_at,
      createdAt: r.created_at,
    }));
  }

  /** Whether an account is active and still unused since the cutoff (a deactivation proposed by a report). */
  async stillInactive(db: Db, userId: string, cutoff: Date): Promise<boolean> {
    const row = await db('users')
      .where({ id: userId, status: 'active' })
      .andWhere((q) => q.where('last_login_at', '<=', cutoff).orWhere((n) => n.whereNull('last_login_at').andWhere('created_at', '<=', cutoff)))
      .first<{ id: string } | undefined>('id');
    return row !== undefined;
  }

  /** The status of accounts now (the report's page shows which proposals were followed). */
  async statuses(db: Db, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await db('users').whereIn('id', userIds).select<Array<{ id: string; status: string }>>('id', 'status');
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /** Each active organisation (association, landlords) and its active administrators. */
  async administrators(db: Db): Promise<OrganisationAdmins[]> {
    const rows = await db('organisations as o')
      .leftJoin('users as u', (j) => j.on('u.organisation_id', 'o.id').andOnVal('u.status', 'active').andOnIn('u.role', ['admin', 'landlord_admin']))
      .where('o.status', 'active')
      .whereIn('o.kind', ['association', 'landlord'])
      .groupBy('o.id', 'o.name', 'o.kind')
      .orderByRaw("o.kind = 'association' desc")
      .orderBy('o.name')
      .select<Array<{ name: string; kind: 'association' | 'landlord'; admins: number }>>('o.name', 'o.kind', db.raw('count(u.id)::int as admins'));
    return rows.map((r) => ({ name: r.name, kind: r.kind, admins: Number(r.admins) }));
  }

  /** Active accounts per role, and how many enrolled a second factor (migration 049). */
  async enrolment(db: Db): Promise<RoleEnrolment[]> {
    const rows = await db('users')
      .where('status', 'active')
      .groupBy('role')
      .orderBy('role')
      .select<Array<{ role: Role; active: number; enrolled: number }>>(
        'role',
        db.raw('count(*)::int as active'),
        db.raw('count(totp_enabled_at)::int as enrolled'),
      );
    return rows.map((r) => ({ role: r.role, active: Number(r.active), enrolled: Number(r.enrolled) }));
  }

  /** People (same first and last name, case and accents aside) holding active accounts of different roles. */
  async samePersonSeveralRoles(db: Db): Promise<SamePerson[]> {
    const rows = await db('users as u')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where('u.status', 'active')
      .orderBy(['u.last_name', 'u.first_name', 'u.role'])
      .select<Array<{ first_name: string; last_name: string; role: Role; name: string }>>('u.first_name', 'u.last_name', 'u.role', 'o.name');
    const key = (s: string) =>
      s
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .trim()
        .toLowerCase();
    const people = new Map<string, SamePerson>();
    for (const r of rows) {
      const k = `${key(r.first_name)}|${key(r.last_name)}`;
      const p = people.get(k) ?? { firstName: r.first_name, lastName: r.last_name, roles: [], organisations: [] };
      if (!p.roles.includes(r.role)) p.roles.push(r.role);
      p.organisations.push(r.name);
      people.set(k, p);
    }
    return [...people.values()].filter((p) => p.roles.length > 1);
  }

  /** Accounts locked in [from, to) (a lock lasts `lockMinutes` from the failure that set it) and accounts with failures in a row now. */
  async loginFailures(db: Db, from: Date, to: Date, lockMinutes: number): Promise<LoginFailures> {
    const shift = lockMinutes * 60_000;
    const [locked] = await db('users')
      .where('locked_until', '>=', new Date(from.getTime() + shift))
      .andWhere('locked_until', '<', new Date(to.getTime() + shift))
      .count<Array<{ count: string | number }>>('id as count');
    const [failing] = await db('users').where('failed_logins', '>', 0).count<Array<{ count: string | number }>>('id as count');
    return { lockedAccounts: Number(locked?.count ?? 0), failingAccounts: Number(failing?.count ?? 0) };
  }

  /** The unusual-reads alerts about hours of [from, to). */
  async accessAlerts(db: Db, from: Date, to: Date): Promise<{ alerts: number; users: number }> {
    const [row] = await db('access_alerts')
      .where('period_start', '>=', from)
      .andWhere('period_start', '<', to)
      .select<Array<{ alerts: number; users: number }>>(db.raw('count(*)::int as alerts'), db.raw('count(distinct user_id)::int as users'));
    return { alerts: Number(row?.alerts ?? 0), users: Number(row?.users ?? 0) };
  }

  /** The latest restore drill, or 'no-table' when this database has no restore_drills table. */
  async latestRestoreDrill(db: Db): Promise<RestoreDrill | null | 'no-table'> {
    if (!(await db.schema.hasTable('restore_drills'))) return 'no-table';
    const row = await db('restore_drills')
      .orderBy('started_at', 'desc')
      .first<{ started_at: Date; ok: boolean; source: string; backup_name: string | null; error: string | null } | undefined>(
        'started_at',
        'ok',
        'source',
        'backup_name',
        'error',
      );
    return row ? { startedAt: row.started_at, ok: row.ok, source: row.source, backupName: row.backup_name, error: row.error } : null;
  }
}
