import type { Db } from '../db/types';
import { departementSql } from '../shared/departement';

/** A month as instants (Paris midnights) and as dates (sessions are dated, not timed). */
export interface MonthSpan {
  month: string;
  from: Date;
  to: Date;
  fromDate: string;
  toDate: string;
}

/** When a decision took effect: at its validation when it needed one, else when it was proposed. */
const APPLIED_AT = 'coalesce(d.validated_at, d.proposed_at)';
const PARIS_DAY = (column: string) => `(${column} at time zone 'Europe/Paris')::date`;
const COMPOSITION = `case
  when jsonb_array_length(coalesce(r.situation->'members', '[]'::jsonb)) <= 1 then '1'
  when jsonb_array_length(r.situation->'members') = 2 then '2'
  when jsonb_array_length(r.situation->'members') <= 4 then '3-4'
  else '5+'
end`;
const CAUSE = `coalesce(r.situation->>'cause', '')`;

/**
 * Every event of a month, one row each, with its cell (nature, type, landlord, département, cause,
 * composition, adviser) and what it adds: the requests received, decided (their last decision of
 * the month, as REPORTING counts them), the transfers sent, the first transfer of a request, the
 * information asked and answered, the missions opened, completed, interrupted, the sessions held.
 * Held in a temporary table for the transaction: the three aggregates read it once each.
 */
const EVENTS_SQL = `
create temporary table stat_events on commit drop as
with decided as (
  select distinct on (d.request_id) d.request_id, d.kind, d.amount_cents, ${APPLIED_AT} as applied_at
  from decisions d
  where d.status = 'applied' and ${APPLIED_AT} >= :from and ${APPLIED_AT} < :to
  order by d.request_id, ${APPLIED_AT} desc, d.id desc
),
sent as (
  select p.request_id, p.decision_id, p.amount_cents, b.transmitted_at
  from payment_batches b
  join payment_batch_items i on i.batch_id = b.id and i.live
  join payments p on p.id = i.payment_id
  where b.transmitted_at is not null and p.status in ('sent', 'settled')
),
first_sent as (
  select s.request_id, min(s.transmitted_at) as first_at, min(${APPLIED_AT}) as granted_at
  from sent s
  join decisions d on d.id = s.decision_id
  where s.request_id in (select request_id from sent where transmitted_at >= :from and transmitted_at < :to)
  group by s.request_id
  having min(s.transmitted_at) >= :from
),
answers as (
  select a.request_id, a.occurred_at as answered_at,
         (select max(q.occurred_at) from request_events q
          where q.request_id = a.request_id and q.kind = 'information_request' and q.occurred_at <= a.occurred_at) as asked_at
  from request_events a
  where a.kind = 'information_answer' and a.occurred_at >= :from and a.occurred_at < :to
),
events as (
  select 'aide' as nature, r.id as request_id, 'received' as ev, null::text as decision, coalesce(r.requested_cents, 0)::bigint as cents,
         null::int as days, 0 as minutes, 0 as objectives, 0 as reached, false as helped, null::uuid as adviser_id
  from aid_requests r
  where r.submitted_at >= :from and r.submitted_at < :to
  union all
  select 'aide', x.request_id, 'decided', x.kind, case when x.kind = 'grant' then x.amount_cents else 0 end,
         ${PARIS_DAY('x.applied_at')} - ${PARIS_DAY('r.submitted_at')}, 0, 0, 0, x.kind = 'grant', null
  from decided x
  join aid_requests r on r.id = x.request_id
  union all
  select 'aide', s.request_id, 'paid', null, s.amount_cents, null, 0, 0, 0, true, null
  from sent s
  where s.transmitted_at >= :from and s.transmitted_at < :to
  union all
  select 'aide', f.request_id, 'first_payment', null, 0, ${PARIS_DAY('f.first_at')} - ${PARIS_DAY('f.granted_at')}, 0, 0, 0, true, null
  from first_sent f
  union all
  select 'aide', a.request_id, 'information', null, 0, ${PARIS_DAY('a.answered_at')} - ${PARIS_DAY('a.asked_at')}, 0, 0, 0, false, null
  from answers a
  where a.asked_at is not null
)
select e.nature, e.ev, e.decision, e.cents, e.days, e.minutes, e.objectives, e.reached, e.helped,
       cast(:month as text) as month,
       r.aid_type_id as type_id, r.organisation_id, r.household_id, e.adviser_id,
       ${departementSql('h.postcode')} as departement, ${CAUSE} as cause, ${COMPOSITION} as composition
from events e
join aid_requests r on r.id = e.request_id
join households h on h.id = r.household_id
union all
select 'accompagnement', m.ev, null, 0, null, m.minutes, m.objectives, m.reached, m.helped,
       cast(:month as text),
       m.mission_type_id, m.organisation_id, m.household_id, m.adviser_id,
       ${departementSql('h.postcode')}, '', ''
from (
  select mi.*, 'opened' as ev, 0 as minutes, 0 as objectives, 0 as reached, false as helped
  from missions mi where mi.accepted_at >= :from and mi.accepted_at < :to
  union all
  select mi.*, 'completed', 0,
         (select count(*) from mission_objectives o where o.mission_id = mi.id)::int,
         (select count(*) from mission_objectives o where o.mission_id = mi.id and o.result = 'reached')::int, false
  from missions mi where mi.status = 'completed' and mi.ended_at >= :from and mi.ended_at < :to
  union all
  select mi.*, 'interrupted', 0, 0, 0, false
  from missions mi where mi.status = 'interrupted' and mi.ended_at >= :from and mi.ended_at < :to
  union all
  select mi.*, 'session', s.duration_minutes, 0, 0, true
  from mission_sessions s join missions mi on mi.id = s.mission_id
  where s.held_on >= :fromDate and s.held_on < :toDate
) m
join households h on h.id = m.household_id`;

const DIMENSIONS = 'month, nature, type_id, organisation_id, departement, cause, composition, adviser_id';

const CELLS_SQL = `
insert into stat_cells (${DIMENSIONS}, received, decided, granted, refused, adjourned, payments, opened, completed, interrupted,
                        sessions, minutes, objectives, objectives_reached, requested_cents, granted_cents, paid_cents)
select ${DIMENSIONS},
       count(*) filter (where ev = 'received'),
       count(*) filter (where ev = 'decided'),
       count(*) filter (where ev = 'decided' and decision = 'grant'),
       count(*) filter (where ev = 'decided' and decision = 'refuse'),
       count(*) filter (where ev = 'decided' and decision = 'adjourn'),
       count(*) filter (where ev = 'paid'),
       count(*) filter (where ev = 'opened'),
       count(*) filter (where ev = 'completed'),
       count(*) filter (where ev = 'interrupted'),
       count(*) filter (where ev = 'session'),
       coalesce(sum(minutes), 0),
       coalesce(sum(objectives), 0),
       coalesce(sum(reached), 0),
       coalesce(sum(cents) filter (where ev = 'received'), 0),
       coalesce(sum(cents) filter (where ev = 'decided'), 0),
       coalesce(sum(cents) filter (where ev = 'paid'), 0)
from stat_events
group by ${DIMENSIONS}`;

const DELAYS_SQL = `
insert into stat_delays (${DIMENSIONS}, measure, days, n)
select ${DIMENSIONS}, case ev when 'decided' then 'decision' else ev end, days, count(*)
from stat_events
where days is not null and ev in ('decided', 'first_payment', 'information')
group by ${DIMENSIONS}, ev, days`;

const HOUSEHOLDS_SQL = `
insert into stat_households (${DIMENSIONS}, household_id, helped)
select ${DIMENSIONS}, household_id, bool_or(helped)
from stat_events
group by ${DIMENSIONS}, household_id`;

/** Writes the aggregate tables of a month from the business tables, and notes each refresh. */
export class StatisticsRefreshRepository {
  /** One refresh at a time, across replicas (released at the commit). */
  async lock(trx: Db): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:statistics-refresh'))");
  }

  /** Replaces the month's rows of the three aggregates (in the caller's transaction). */
  async rebuildMonth(trx: Db, span: MonthSpan): Promise<void> {
    for (const table of ['stat_cells', 'stat_delays', 'stat_households']) await trx(table).where({ month: span.month }).delete();
    await trx.raw(EVENTS_SQL, { month: span.month, from: span.from, to: span.to, fromDate: span.fromDate, toDate: span.toDate });
    await trx.raw(CELLS_SQL);
    await trx.raw(DELAYS_SQL);
    await trx.raw(HOUSEHOLDS_SQL);
    await trx.raw('drop table stat_events');
  }

  /** The first month anything happened in (a request submitted, a mission ordered), Paris time; null on an empty base. */
  async firstMonth(db: Db): Promise<string | null> {
    const row = await db
      .select(
        db.raw(
          `to_char(least(
             (select min(submitted_at) from aid_requests),
             (select min(ordered_at) from missions)
           ) at time zone 'Europe/Paris', 'YYYY-MM') as month`,
        ),
      )
      .first<{ month: string | null }>();
    return row?.month ?? null;
  }

  async noteRefresh(db: Db, refresh: { scope: 'recent' | 'all'; months: string[]; startedAt: Date; finishedAt: Date; durationMs: number }): Promise<void> {
    await db('stat_refreshes').insert({
      scope: refresh.scope,
      months: refresh.months,
      started_at: refresh.startedAt,
      finished_at: refresh.finishedAt,
      duration_ms: refresh.durationMs,
    });
  }

  /** The last refresh, and the last complete one. */
  async lastRefreshes(db: Db): Promise<{ last: Date | null; lastAll: Date | null; id: string }> {
    const row = await db('stat_refreshes')
      .select(db.raw('max(finished_at) as last'), db.raw("max(finished_at) filter (where scope = 'all') as last_all"), db.raw('max(id)::text as id'))
      .first<{ last: Date | null; last_all: Date | null; id: string | null }>();
    return { last: row?.last ?? null, lastAll: row?.last_all ?? null, id: row?.id ?? '' };
  }

  /** Fresh planner statistics for the aggregates after a complete rebuild (their sizes change by orders of magnitude). */
  async analyse(db: Db): Promise<void> {
    await db.raw('analyze stat_cells, stat_delays, stat_households');
  }
}
