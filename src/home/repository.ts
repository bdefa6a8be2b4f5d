import { type RequestScope, visibleRequests } from '../aid-requests/repository';
import type { Db } from '../db/types';
import type { Scope } from '../permissions';

/** A count as PostgreSQL returns it (a bigint, so a string), 0 when absent. */
const count = (n: string | number | null | undefined): number => Number(n ?? 0);

/**
 * The small counts of the home pages' "À faire": each one query on an index, never a list.
 * Tenant data is filtered by the scope or organisation passed first.
 */
export class HomeRepository {
  /** A landlord's requests awaiting its answer and its drafts (the list's own visibility: organisation, agency). */
  async landlordRequests(db: Db, scope: RequestScope): Promise<{ awaiting: number; drafts: number }> {
    const [row] = await visibleRequests(db, scope)
      .whereIn('r.status', ['awaiting_information', 'draft'])
      .select<Array<{ awaiting: string; drafts: string }>>(
        db.raw("count(*) filter (where r.status = 'awaiting_information') as awaiting"),
        db.raw("count(*) filter (where r.status = 'draft') as drafts"),
      );
    return { awaiting: count(row?.awaiting), drafts: count(row?.drafts) };
  }

  /** Whether a landlord's own payee has a confirmed account, and a change waiting for the association. */
  async ownAccount(db: Db, organisationId: string): Promise<{ confirmed: boolean; pending: boolean }> {
    const [row] = await db('bank_accounts as a')
      .join('payees as y', 'y.id', 'a.payee_id')
      .where({ 'y.kind': 'landlord', 'y.organisation_id': organisationId })
      .select<Array<{ confirmed: string; pending: string }>>(
        db.raw("count(*) filter (where a.status = 'confirmed') as confirmed"),
        db.raw("count(*) filter (where a.status = 'pending') as pending"),
      );
    return { confirmed: count(row?.confirmed) > 0, pending: count(row?.pending) > 0 };
  }

  /** Active accounts of an organisation whose invitation is not accepted yet (no password chosen). */
  async invitedUsers(db: Db, organisationId: string): Promise<number> {
    const [row] = await db('users').where({ organisation_id: organisationId, status: 'active' }).whereNull('password_hash').count<{ n: string }[]>('* as n');
    return count(row?.n);
  }

  /** An instructor's requests in review on which the landlord answered the information asked, no proposal made since. */
  async answersReceived(db: Db, userId: string): Promise<number> {
    const [row] = await db('aid_requests as r')
      .where({ 'r.assigned_to': userId, 'r.status': 'in_review' })
      .whereNotNull('r.information_answered_at')
      .whereNotExists(db('decisions as d').where('d.request_id', db.ref('r.id')).where('d.status', 'pending').select(db.raw('1')))
      .count<{ n: string }[]>('* as n');
    return count(row?.n);
  }

  /** Bank account changes waiting for someone of the association. */
  async pendingAccountReviews(db: Db): Promise<number> {
    const [row] = await db('bank_accounts').where('status', 'pending').count<{ n: string }[]>('* as n');
    return count(row?.n);
  }

  /** Among these jobs, those whose latest run (latest period) failed: one index probe per job. */
  /** ASD orientations waiting to be taken, for the whole association or one landlord. */
  async orientationsWaiting(db: Db, scope: Scope): Promise<number> {
    const q = db('funder_orientations').where({ status: 'a_traiter' });
    if (!scope.all) void q.where('organisation_id', scope.organisationId);
    const row = await q.count<Array<{ n: string }>>('* as n').first();
    return count(row?.n);
  }

  /** Files on the funder's server since before `before` and still without its acknowledgement. */
  async funderFilesUnacknowledged(db: Db, before: Date): Promise<number> {
    const row = await db('funder_files')
      .where({ direction: 'out', status: 'depose' })
      .whereNull('acknowledged_at')
      .where('sent_at', '<', before)
      .count<Array<{ n: string }>>('* as n')
      .first();
    return count(row?.n);
  }

  async jobsLastFailed(db: Db, jobs: readonly string[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const { rows } = await db.raw<{ rows: Array<{ n: string }> }>(
      `select count(*) as n from unnest(?::text[]) as j(name)
       cross join lateral (select status from job_runs where job = j.name order by period_key desc limit 1) as last
       where last.status = 'failed'`,
      [jobs as string[]],
    );
    return count(rows[0]?.n);
  }

  /** When a job last ended well (null: never). */
  async lastSucceeded(db: Db, job: string): Promise<Date | null> {
    const row = await db('job_runs')
      .where({ job, status: 'succeeded' })
      .orderBy('period_key', 'desc')
      .first<{ finished_at: Date | null; started_at: Date } | undefined>('finished_at', 'started_at');
    return row ? (row.finished_at ?? row.started_at) : null;
  }

  /** Payment batches waiting for their approval, and approved ones not yet marked transmitted. */
  async batchesToHandle(db: Db): Promise<{ generated: number; approved: number }> {
    const [row] = await db('payment_batches')
      .whereIn('status', ['generated', 'approved'])
      .select<Array<{ generated: string; approved: string }>>(
        db.raw("count(*) filter (where status = 'generated') as generated"),
        db.raw("count(*) filter (where status = 'approved') as approved"),
      );
    return { generated: count(row?.generated), approved: count(row?.approved) };
  }

  /** The month ("AAAA-MM") of the first accounting entry, null when the ledger is empty. */
  async firstEntryMonth(db: Db): Promise<string | null> {
    const row = await db('ledger_entries').orderBy('entry_date').first<{ month: string } | undefined>(db.raw("to_char(entry_date, 'YYYY-MM') as month"));
    return row?.month ?? null;
  }

  /** Closed accounting months from `from` ("AAAA-MM") on. */
  async closedPeriodsSince(db: Db, from: string): Promise<string[]> {
    return (await db('closed_periods').where('period', '>=', from).select<Array<{ period: string }>>('period')).map((r) => r.period);
  }

  /** An adviser's appointments (not cancelled) starting between two instants. */
  async appointmentsBetween(db: Db, adviserId: string, from: Date, to: Date): Promise<number> {
    const [row] = await db('appointments')
      .where('adviser_id', adviserId)
      .whereNot('status', 'cancelled')
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .count<{ n: string }[]>('* as n');
    return count(row?.n);
  }

  /**
   * An adviser's appointments held (marked done, or still scheduled and over by `now`) on a mission
   * still open to sessions, with no session recorded on that mission on the appointment's day in
   * Paris: the sessions to write up, oldest first.
   */
  async sessionsToWriteUp(
    db: Db,
    adviserId: string,
    now: Date,
    limit = 5,
  ): Promise<{ total: number; items: Array<{ missionId: string; missionReference: string; startsAt: Date }> }> {
    const q = db('appointments as a')
      .join('missions as m', 'm.id', 'a.mission_id')
      .where('a.adviser_id', adviserId)
      .whereIn('m.status', ['accepted', 'in_progress'])
      .where((w) =>
        w
          .where('a.status', 'done')
          .orWhere((s) => s.whereIn('a.status', ['scheduled', 'confirmed']).whereRaw("a.starts_at + a.duration_minutes * interval '1 minute' <= ?", [now])),
      )
      .where('a.starts_at', '<=', now)
      .whereNotExists(
        db('mission_sessions as s')
          .where('s.mission_id', db.ref('a.mission_id'))
          .whereRaw("s.held_on = (a.starts_at at time zone 'Europe/Paris')::date")
          .select(db.raw('1')),
      );
    const [total] = await q.clone().count<{ n: string }[]>('* as n');
    const rows = await q
      .orderBy('a.starts_at')
      .limit(limit)
      .select<Array<{ mission_id: string; reference: string; starts_at: Date }>>('a.mission_id', 'm.reference', 'a.starts_at');
    return {
      total: count(total?.n),
      items: rows.map((r) => ({ missionId: r.mission_id, missionReference: r.reference, startsAt: r.starts_at })),
    };
  }
}
