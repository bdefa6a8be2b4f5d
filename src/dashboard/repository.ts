import type { Db } from '../db/types';

const OPEN = ['submitted', 'in_review', 'awaiting_information'];
const GRANTED = ['granted', 'in_payment', 'paid', 'closed'];

/** Aggregates over submitted requests for the operators' dashboard. */
export class DashboardRepository {
  async countsByStatus(db: Db): Promise<Record<string, number>> {
    const rows = await db('aid_requests').whereNot('status', 'draft').groupBy('status').select('status').count('* as n');
    return Object.fromEntries(rows.map((r: Record<string, unknown>) => [r.status as string, Number(r.n)]));
  }

  /** Open requests by status and age since submission (days). */
  async openByAge(db: Db, now: Date): Promise<Array<{ status: string; bucket: string; n: number }>> {
    const rows = await db('aid_requests')
      .whereIn('status', OPEN)
      .select('status')
      .select(
        db.raw(
          `case when submitted_at > ?::timestamptz - interval '7 days' then 'lt7'
                     when submitted_at > ?::timestamptz - interval '15 days' then 'lt15'
                     when submitted_at > ?::timestamptz - interval '30 days' then 'lt30' else 'gt30' end as bucket`,
          [now, now, now],
        ),
      )
      .count('* as n')
      .groupBy('status', 'bucket');
    return rows.map((r: Record<string, unknown>) => ({ status: r.status as string, bucket: r.bucket as string, n: Number(r.n) }));
  }

  /** The oldest open requests waiting since before `since`. */
  async waitingSince(
    db: Db,
    since: Date,
    limit = 20,
  ): Promise<Array<{ id: string; reference: string; organisationName: string; status: string; submittedAt: Date; assignedToName: string | null }>> {
    const rows = await db('aid_requests as r')
      .join('organisations as o', 'o.id', 'r.organisation_id')
      .leftJoin('users as u', 'u.id', 'r.assigned_to')
      .whereIn('r.status', OPEN)
      .where('r.submitted_at', '<', since)
      .orderBy('r.submitted_at')
      .limit(limit)
      .select('r.id', 'r.reference', 'o.name', 'r.status', 'r.submitted_at', db.raw("u.first_name || ' ' || u.last_name as assignee"));
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      reference: r.reference as string,
      organisationName: r.name as string,
      status: r.status as string,
      submittedAt: r.submitted_at as Date,
      assignedToName: (r.assignee as string | null) ?? null,
    }));
  }

  async waitingCount(db: Db, since: Date): Promise<number> {
    const [c] = await db('aid_requests').whereIn('status', OPEN).where('submitted_at', '<', since).count<{ n: string }[]>('* as n');
    return Number(c?.n ?? 0);
  }

  /** Amounts granted between two instants, by aid type or by landlord. */
  async grantedBy(db: Db, by: 'aid_type' | 'landlord', from: Date, to: Date, limit = 10): Promise<Array<{ label: string; cents: number; n: number }>> {
    const q = db('aid_requests as r').whereIn('r.status', GRANTED).where('r.decided_at', '>=', from).where('r.decided_at', '<', to);
    if (by === 'aid_type') q.join('aid_types as t', 't.id', 'r.aid_type_id').groupBy('t.label').select('t.label as label');
    else q.join('organisations as o', 'o.id', 'r.organisation_id').groupBy('o.name').select('o.name as label');
    const rows = await q
      .sum('r.granted_cents as cents')
      .count<Array<{ label: string; cents: string | null; n: string }>>('* as n')
      .orderBy('cents', 'desc')
      .limit(limit);
    return rows.map((r) => ({ label: r.label, cents: Number(r.cents ?? 0), n: Number(r.n) }));
  }

  /** Average days from submission to decision, for the decisions taken since `from`. */
  async averageProcessingDays(db: Db, from: Date): Promise<{ days: number | null; n: number }> {
    const [row] = await db('aid_requests')
      .whereNotNull('decided_at')
      .whereNotNull('submitted_at')
      .where('decided_at', '>=', from)
      .select<Array<{ days: string | null; n: string }>>(db.raw('avg(extract(epoch from decided_at - submitted_at)) / 86400 as days'), db.raw('count(*) as n'));
    const r = row!; // an aggregate without GROUP BY returns one row
    return { days: r.days === null ? null : Math.round(Number(r.days) * 10) / 10, n: Number(r.n) };
  }
}
