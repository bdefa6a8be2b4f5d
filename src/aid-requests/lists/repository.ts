import type { Knex } from 'knex';
import type { Db, Page } from '../../db/types';
import { toPage } from '../../db/types';
import { normalizeName } from '../../households/duplicates/normalize';
import { type RequestScope, requestNameColumns, visibleRequests } from '../repository';
import { type ListQuery, type QueueQuery, type Sort, SORTS } from './schemas';

const NULLABLE_SORTS = new Set<Sort>(['depot', 'reference', 'montant', 'locataire']);
import { REQUEST_STATUSES, type RequestStatus } from '../state-machine';

/** One line of a list of requests: what a table shows, never the situation itself. */
export interface RequestRow {
  id: string;
  reference: string | null;
  organisationName: string;
  agencyName: string | null;
  tenantName: string | null;
  aidTypeLabel: string;
  status: RequestStatus;
  requestedCents: number | null;
  requestedMonths: number | null;
  grantedCents: number | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  updatedAt: Date;
  assignedToName: string | null;
  informationAnsweredAt: Date | null;
  pending: { kind: string; amountCents: number | null; proposedBy: string; proposedByLabel: string } | null;
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** A line as `rowColumns` selects it (bigints as strings), with the queue's pending proposal when joined. */
interface ListedRow {
  id: string;
  reference: string | null;
  organisation_name: string;
  agency_name: string | null;
  tenant_name: string | null;
  aid_type_label: string;
  status: RequestStatus;
  requested_cents: string | null;
  requested_months: number | null;
  granted_cents: string | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  updated_at: Date;
  assigned_to_name: string | null;
  information_answered_at: Date | null;
  pending_kind?: string | null;
  pending_amount_cents?: string | null;
  pending_proposed_by?: string | null;
  pending_proposed_by_label?: string | null;
}

const toRow = (r: ListedRow): RequestRow => ({
  id: r.id,
  reference: r.reference ?? null,
  organisationName: r.organisation_name,
  agencyName: r.agency_name ?? null,
  tenantName: r.tenant_name ?? null,
  aidTypeLabel: r.aid_type_label,
  status: r.status,
  requestedCents: num(r.requested_cents),
  requestedMonths: r.requested_months ?? null,
  grantedCents: num(r.granted_cents),
  submittedAt: r.submitted_at ?? null,
  decidedAt: r.decided_at ?? null,
  updatedAt: r.updated_at,
  assignedToName: r.assigned_to_name ?? null,
  informationAnsweredAt: r.information_answered_at ?? null,
  pending: r.pending_kind
    ? {
        kind: r.pending_kind,
        amountCents: num(r.pending_amount_cents),
        proposedBy: r.pending_proposed_by as string,
        proposedByLabel: r.pending_proposed_by_label as string,
      }
    : null,
});

function rowColumns(db: Db) {
  return [
    'r.id',
    'r.reference',
    'r.tenant_name',
    'r.status',
    'r.requested_cents',
    'r.requested_months',
    'r.granted_cents',
    'r.submitted_at',
    'r.decided_at',
    'r.updated_at',
    'r.information_answered_at',
    ...requestNameColumns(db),
  ];
}

/** The words typed in the search box, as prefix patterns on the normalised tenant name (both orders). */
export function namePatterns(q: string): string[] {
  const words = q.split(/\s+/).map(normalizeName).filter(Boolean);
  if (words.length === 0) return [];
  const forward = `${words.join(' ')}%`;
  return words.length > 1 ? [forward, `${[...words].reverse().join(' ')}%`] : [forward];
}

/** The list's filters (everything but the status, which the counters split by). */
function applyFilters(q: Knex.QueryBuilder, f: Omit<ListQuery, 'status' | 'tri' | 'ordre' | 'page'>, scope: RequestScope): void {
  if (f.type) q.where('r.aid_type_id', f.type);
  if (f.agence) q.where('r.agency_id', f.agence);
  if (f.bailleur && scope.all) q.where('r.organisation_id', f.bailleur);
  if (f.menage) q.where('r.household_id', f.menage);
  // dates are days in Paris
  if (f.du) q.whereRaw("r.submitted_at >= (?::date)::timestamp at time zone 'Europe/Paris'", [f.du]);
  if (f.au) q.whereRaw("r.submitted_at < (?::date + 1)::timestamp at time zone 'Europe/Paris'", [f.au]);
  if (f.q) {
    const text = f.q.trim();
    if (/^\d{4}-\d{0,5}$/.test(text)) q.where('r.reference', 'like', `${text}%`);
    else {
      const patterns = namePatterns(text);
      if (patterns.length) q.where((w) => patterns.forEach((p) => w.orWhere('r.search_name', 'like', p)));
    }
  }
}

/** Counting stops here: past it a list shows "10 000 ou plus" (an exact count of a huge set helps nobody and costs a scan). */
export const COUNT_CAP = 10_000;

/** A status estimated at three times the cap or more is past the cap whatever the statistics' error. */
export const ESTIMATE_MARGIN = 3;

/** "Décidés" lists the decisions of the last 30 days (older ones are found in the list of requests). */
export const DECIDED_DAYS = 30;

async function cappedCount(db: Db, q: Knex.QueryBuilder): Promise<number> {
  const [row] = await db
    .from(
      q
        .clearSelect()
        .clearOrder()
        .select(db.raw('1'))
        .limit(COUNT_CAP + 1)
        .as('x'),
    )
    .count<{ n: string }[]>('* as n');
  return Number(row?.n ?? 0);
}

export class RequestListRepository {
  /**
   * A page of the list. Its total comes from the counters (the same filters, split by status), so
   * the page costs one count query, not two.
   */
  async list(db: Db, scope: RequestScope, f: ListQuery, counts: Partial<Record<RequestStatus, number>>, pageSize = 50): Promise<Page<RequestRow>> {
    const total = f.status ? (counts[f.status] ?? 0) : Object.values(counts).reduce((a, n) => a + n, 0);
    const q = visibleRequests(db, scope);
    applyFilters(q, f, scope);
    if (f.status) q.where('r.status', f.status);
    const column = SORTS[f.tri];
    // nullable columns put their blanks last; the others keep the plain order their indexes serve
    const nulls = NULLABLE_SORTS.has(f.tri) ? ' nulls last' : '';
    const rows = await q
      .select<ListedRow[]>(rowColumns(db))
      .orderByRaw(`${column} ${f.ordre}${nulls}, r.id ${f.ordre}`)
      .limit(pageSize)
      .offset((f.page - 1) * pageSize);
    return toPage(rows.map(toRow), total, f.page, pageSize);
  }

  /**
   * How many requests per status, with the same filters (the counters above the list), in one
   * query. A landlord's requests are grouped at once (their number is bounded by the landlord's
   * size); over every landlord, each status is counted on its own index range and stops past the
   * cap, so the association's counters never scan the whole table. Without filters, a status that
   * PostgreSQL's statistics (`estimates`) put far past the cap is not counted at all: it would show
   * "plus de 10 000" anyway, and counting the first ten thousand of each big status was most of
   * the page's database time.
   */
  async countsByStatus(
    db: Db,
    scope: RequestScope,
    f: ListQuery,
    estimates: ReadonlyMap<string, number> = new Map(),
    cap = COUNT_CAP,
  ): Promise<Partial<Record<RequestStatus, number>>> {
    const out: Partial<Record<RequestStatus, number>> = {};
    if (!scope.all) {
      const q = visibleRequests(db, scope);
      applyFilters(q, f, scope);
      for (const r of await q.groupBy('r.status').select('r.status').count<Array<{ status: RequestStatus; n: string }>>('* as n')) out[r.status] = Number(r.n);
      return out;
    }
    const unfiltered = !(f.type || f.agence || f.bailleur || f.menage || f.du || f.au || f.q || scope.agencyId);
    const statuses = REQUEST_STATUSES.filter((s) => s !== 'draft');
    const surelyPastCap = (s: RequestStatus) => unfiltered && (estimates.get(s) ?? 0) >= ESTIMATE_MARGIN * cap;
    const counted = statuses.filter((s) => !surelyPastCap(s));
    for (const s of statuses) if (surelyPastCap(s)) out[s] = cap + 1;
    if (counted.length === 0) return out;
    const columns = counted.map((status) => {
      const q = visibleRequests(db, scope);
      applyFilters(q, f, scope);
      q.where('r.status', status)
        .select(db.raw('1'))
        .limit(cap + 1);
      return db.raw('(select count(*) from (?) as x) as ??', [q, status]);
    });
    const [row] = await db.select<Array<Partial<Record<RequestStatus, string>>>>(columns);
    for (const s of counted) {
      const n = Number(row?.[s] ?? 0);
      if (n > 0) out[s] = n;
    }
    return out;
  }

  /**
   * PostgreSQL's estimate of the requests in each common status, from the statistics autovacuum
   * keeps (`pg_stats`); empty before the table's first ANALYZE.
   */
  async statusEstimates(db: Db): Promise<Map<string, number>> {
    const { rows } = await db.raw<{ rows: Array<{ status: string; estimate: string | number }> }>(`
      select v.status, (v.freq * c.reltuples)::bigint as estimate
      from pg_stats s
      cross join pg_class c
      cross join lateral unnest(s.most_common_vals::text::text[], s.most_common_freqs) as v(status, freq)
      where c.oid = 'aid_requests'::regclass and c.reltuples > 0
        and s.schemaname = current_schema() and s.tablename = 'aid_requests' and s.attname = 'status'`);
    return new Map(rows.map((r) => [r.status, Number(r.estimate)]));
  }

  /** The filtered list in id order, a batch at a time (exports never load every row). */
  async batch(db: Db, scope: RequestScope, f: ListQuery, afterId: string | null, limit: number): Promise<RequestRow[]> {
    const q = visibleRequests(db, scope);
    applyFilters(q, f, scope);
    if (f.status) q.where('r.status', f.status);
    if (afterId) q.where('r.id', '>', afterId);
    return (await q.select<ListedRow[]>(rowColumns(db)).orderBy('r.id').limit(limit)).map(toRow);
  }

  /**
   * A tab of the instruction queue, with the queue's filters. Without filters the tab's total is
   * its counter (`tabTotal`); with filters it is counted here.
   */
  async queue(db: Db, userId: string, f: QueueQuery, now: Date, tabTotal: number, pageSize = 50): Promise<Page<RequestRow>> {
    const filtered = Boolean(f.bailleur || f.type || f.age || f.min !== undefined || f.max !== undefined);
    const filter = (q: Knex.QueryBuilder) => {
      this.queueTab(q, f.onglet, userId, now);
      if (f.bailleur) q.where('r.organisation_id', f.bailleur);
      if (f.type) q.where('r.aid_type_id', f.type);
      if (f.age) q.where('r.submitted_at', '<=', new Date(now.getTime() - f.age * 86_400_000));
      if (f.min !== undefined) q.where('r.requested_cents', '>=', f.min);
      if (f.max !== undefined) q.where('r.requested_cents', '<=', f.max);
      return q;
    };
    const total = filtered ? await cappedCount(db, filter(visibleRequests(db, { all: true }))) : tabTotal;
    const q = filter(visibleRequests(db, { all: true }));
    const columns = [
      ...rowColumns(db),
      'd.kind as pending_kind',
      'd.amount_cents as pending_amount_cents',
      'd.proposed_by as pending_proposed_by',
      'd.proposed_by_label as pending_proposed_by_label',
    ];
    if (f.onglet !== 'a_valider')
      q.leftJoin('decisions as d', function () {
        this.on('d.request_id', 'r.id').andOnVal('d.status', 'pending');
      });
    const order = f.onglet === 'decides' ? 'r.decided_at desc' : 'r.submitted_at asc';
    const rows = await q
      .select<ListedRow[]>(columns)
      .orderByRaw(`${order}, r.id`)
      .limit(pageSize)
      .offset((f.page - 1) * pageSize);
    return toPage(rows.map(toRow), total, f.page, pageSize);
  }

  /**
   * How many requests wait in each tab (for the tab labels), in one query: the open ones in one
   * pass over the open statuses, the proposals and the recent decisions (capped) beside them.
   */
  async queueCounts(db: Db, userId: string, now: Date): Promise<Record<QueueQuery['onglet'], number>> {
    const capped = (tab: QueueQuery['onglet']) =>
      db.raw('(select count(*) from (?) as x)', [
        this.queueTab(db('aid_requests as r'), tab, userId, now)
          .select(db.raw('1'))
          .limit(COUNT_CAP + 1),
      ]);
    const [row] = await db('aid_requests')
      .whereIn('status', ['submitted', 'in_review', 'adjourned', 'awaiting_information'])
      .select<Array<Record<QueueQuery['onglet'], string>>>(
        db.raw("count(*) filter (where status = 'submitted') as a_prendre"),
        db.raw("count(*) filter (where assigned_to = ? and status in ('in_review', 'adjourned')) as mes_dossiers", [userId]),
        db.raw("count(*) filter (where status = 'awaiting_information') as attente"),
        db.raw('? as a_valider', [capped('a_valider')]),
        db.raw('? as decides', [capped('decides')]),
      );
    const r = row as Record<QueueQuery['onglet'], string>; // one aggregate row, always
    return {
      a_prendre: Number(r.a_prendre),
      mes_dossiers: Number(r.mes_dossiers),
      attente: Number(r.attente),
      a_valider: Number(r.a_valider),
      decides: Number(r.decides),
    };
  }

  private queueTab(q: Knex.QueryBuilder, tab: QueueQuery['onglet'], userId: string, now: Date): Knex.QueryBuilder {
    switch (tab) {
      case 'a_prendre':
        q.where('r.status', 'submitted');
        break;
      case 'mes_dossiers':
        q.where({ 'r.assigned_to': userId }).whereIn('r.status', ['in_review', 'adjourned']);
        break;
      case 'attente':
        q.where('r.status', 'awaiting_information');
        break;
      case 'a_valider':
        q.join('decisions as d', function () {
          this.on('d.request_id', 'r.id').andOnVal('d.status', 'pending');
        }).whereNot('d.proposed_by', userId);
        break;
      case 'decides':
        q.whereIn('r.status', ['granted', 'refused', 'adjourned', 'in_payment', 'paid', 'closed']).where(
          'r.decided_at',
          '>=',
          new Date(now.getTime() - DECIDED_DAYS * 86_400_000),
        );
        break;
    }
    return q;
  }
}
