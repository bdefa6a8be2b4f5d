import type { Db } from '../../db/types';
import { departementSql } from '../../shared/departement';

/** One cell of a month before secrecy: what happened for one type, one landlord, one département. */
export interface ReportingCell {
  nature: 'aide' | 'accompagnement';
  code: string;
  siren: string | null;
  departement: string;
  demandesRecues: number;
  demandesDecidees: number;
  accords: number;
  refus: number;
  ajournements: number;
  montantAccordeCentimes: number;
  montantVerseCentimes: number;
  menagesAides: number;
  /** every household behind any figure of the cell: what secrecy is decided on (never published) */
  menagesConcernes: number;
  delaiMedianDecisionJours: number | null;
  delaiMedianPremierVersementJours: number | null;
  missionsOuvertes: number;
  missionsTerminees: number;
  minutesAccompagnement: number;
  /** null: no fund pays this aid type during the month */
  enveloppeConsommeeCentimes: number | null;
}

/** The month: [from, to) as instants (Paris midnights) and as dates (sessions are dated, not timed). */
export interface MonthBounds {
  from: Date;
  to: Date;
  fromDate: string;
  toDate: string;
}

/** When a decision took effect: at its validation when it needed one, else when it was proposed. */
const APPLIED_AT = 'coalesce(d.validated_at, d.proposed_at)';
const PARIS_DAY = (column: string) => `(${column} at time zone 'Europe/Paris')::date`;

/**
 * The indicators of a month, aggregated by PostgreSQL over the whole base (docs/echanges/reporting.md):
 * one row of events per request received, request decided (its last decision of the month),
 * transfer sent, first transfer of a request, mission opened, mission completed and session
 * held, then one GROUP BY per (nature, type code, landlord SIREN, département). Only the cells
 * come back to JavaScript, never the rows they count.
 */
const CELLS_SQL = `
with decided as (
  select distinct on (d.request_id) d.request_id, d.kind, d.amount_cents, ${APPLIED_AT} as applied_at
  from decisions d
  where d.status = 'applied' and ${APPLIED_AT} >= :from and ${APPLIED_AT} < :to
  order by d.request_id, ${APPLIED_AT} desc, d.id desc
),
sent as (
  select p.id, p.request_id, p.decision_id, p.amount_cents, b.transmitted_at
  from payment_batches b
  join payment_batch_items i on i.batch_id = b.id and i.live
  join payments p on p.id = i.payment_id
  where b.transmitted_at is not null and p.status in ('sent', 'settled')
),
sent_in_month as (
  select * from sent where transmitted_at >= :from and transmitted_at < :to
),
first_sent as (
  select s.request_id, min(s.transmitted_at) as first_at, min(${APPLIED_AT}) as granted_at
  from sent s
  join decisions d on d.id = s.decision_id
  where s.request_id in (select request_id from sent_in_month)
  group by s.request_id
  having min(s.transmitted_at) >= :from
),
events as (
  select 'aide' as nature, r.aid_type_id as type_id, r.organisation_id, r.household_id,
         'recue' as ev, null::text as decision, 0::bigint as cents, null::int as days, 0 as minutes, false as aided
  from aid_requests r
  where r.submitted_at >= :from and r.submitted_at < :to
  union all
  select 'aide', r.aid_type_id, r.organisation_id, r.household_id,
         'decidee', x.kind, case when x.kind = 'grant' then x.amount_cents else 0 end,
         ${PARIS_DAY('x.applied_at')} - ${PARIS_DAY('r.submitted_at')}, 0, x.kind = 'grant'
  from decided x
  join aid_requests r on r.id = x.request_id
  union all
  select 'aide', r.aid_type_id, r.organisation_id, r.household_id,
         'versement', null, s.amount_cents, null, 0, true
  from sent_in_month s
  join aid_requests r on r.id = s.request_id
  union all
  select 'aide', r.aid_type_id, r.organisation_id, r.household_id,
         'premier_versement', null, 0, ${PARIS_DAY('f.first_at')} - ${PARIS_DAY('f.granted_at')}, 0, true
  from first_sent f
  join aid_requests r on r.id = f.request_id
  union all
  -- budget envelopes: what the month's transfers consumed on funds, less what the bank returned
  select 'aide', r.aid_type_id, r.organisation_id, r.household_id,
         'enveloppe', null, case when fm.kind = 'consume' then fm.amount_cents else -fm.amount_cents end, null, 0, false
  from fund_movements fm
  join aid_requests r on r.id = fm.request_id
  where fm.kind in ('consume', 'unconsume') and fm.occurred_at >= :from and fm.occurred_at < :to
  union all
  select 'accompagnement', m.mission_type_id, m.organisation_id, m.household_id,
         'ouverte', null, 0, null, 0, false
  from missions m
  where m.accepted_at >= :from and m.accepted_at < :to
  union all
  select 'accompagnement', m.mission_type_id, m.organisation_id, m.household_id,
         'terminee', null, 0, null, 0, false
  from missions m
  where m.status = 'completed' and m.ended_at >= :from and m.ended_at < :to
  union all
  select 'accompagnement', m.mission_type_id, m.organisation_id, m.household_id,
         'seance', null, 0, null, s.duration_minutes, true
  from mission_sessions s
  join missions m on m.id = s.mission_id
  where s.held_on >= :fromDate and s.held_on < :toDate
),
placed as (
  select e.*, o.siren,
         ${departementSql('h.postcode')} as departement,
         -- a fund pays this aid type during the month: the cell carries what the envelopes consumed
         e.nature = 'aide' and exists (
           select 1 from funds f join aid_types ft on ft.code = any(f.aid_type_codes)
           where ft.id = e.type_id and f.starts_on < :toDate and f.ends_on >= :fromDate
         ) as budget
  from events e
  join households h on h.id = e.household_id
  join organisations o on o.id = e.organisation_id
)
select p.nature, coalesce(at.code, mt.code) as code, p.siren, p.departement,
       count(*) filter (where p.ev = 'recue') as demandes_recues,
       count(*) filter (where p.ev = 'decidee') as demandes_decidees,
       count(*) filter (where p.ev = 'decidee' and p.decision = 'grant') as accords,
       count(*) filter (where p.ev = 'decidee' and p.decision = 'refuse') as refus,
       count(*) filter (where p.ev = 'decidee' and p.decision = 'adjourn') as ajournements,
       coalesce(sum(p.cents) filter (where p.ev = 'decidee'), 0) as montant_accorde,
       coalesce(sum(p.cents) filter (where p.ev = 'versement'), 0) as montant_verse,
       count(distinct p.household_id) filter (where p.aided) as menages_aides,
       count(distinct p.household_id) as menages_concernes,
       percentile_cont(0.5) within group (order by p.days) filter (where p.ev = 'decidee') as delai_decision,
       percentile_cont(0.5) within group (order by p.days) filter (where p.ev = 'premier_versement') as delai_versement,
       count(*) filter (where p.ev = 'ouverte') as missions_ouvertes,
       count(*) filter (where p.ev = 'terminee') as missions_terminees,
       coalesce(sum(p.minutes) filter (where p.ev = 'seance'), 0) as minutes,
       bool_or(p.budget) as budget,
       coalesce(sum(p.cents) filter (where p.ev = 'enveloppe'), 0) as enveloppe
from placed p
left join aid_types at on p.nature = 'aide' and at.id = p.type_id
left join mission_types mt on p.nature = 'accompagnement' and mt.id = p.type_id
group by p.nature, coalesce(at.code, mt.code), p.siren, p.departement
order by p.nature, code, p.siren nulls last, p.departement`;

interface CellRow {
  nature: 'aide' | 'accompagnement';
  code: string;
  siren: string | null;
  departement: string;
  demandes_recues: string | number;
  demandes_decidees: string | number;
  accords: string | number;
  refus: string | number;
  ajournements: string | number;
  montant_accorde: string | number;
  montant_verse: string | number;
  menages_aides: string | number;
  menages_concernes: string | number;
  delai_decision: number | string | null;
  delai_versement: number | string | null;
  missions_ouvertes: string | number;
  missions_terminees: string | number;
  minutes: string | number;
  budget: boolean | null;
  enveloppe: string | number;
}

const orNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Reads what the REPORTING flow needs from the business tables (requests, decisions, transfers, missions) and the files already sent. */
export class ReportingRepository {
  async cells(db: Db, month: MonthBounds): Promise<ReportingCell[]> {
    const result = await db.raw<{ rows: CellRow[] }>(CELLS_SQL, { from: month.from, to: month.to, fromDate: month.fromDate, toDate: month.toDate });
    return result.rows.map((r) => ({
      nature: r.nature,
      code: r.code,
      siren: r.siren,
      departement: r.departement,
      demandesRecues: Number(r.demandes_recues),
      demandesDecidees: Number(r.demandes_decidees),
      accords: Number(r.accords),
      refus: Number(r.refus),
      ajournements: Number(r.ajournements),
      montantAccordeCentimes: Number(r.montant_accorde),
      montantVerseCentimes: Number(r.montant_verse),
      menagesAides: Number(r.menages_aides),
      menagesConcernes: Number(r.menages_concernes),
      delaiMedianDecisionJours: orNull(r.delai_decision),
      delaiMedianPremierVersementJours: orNull(r.delai_versement),
      missionsOuvertes: Number(r.missions_ouvertes),
      missionsTerminees: Number(r.missions_terminees),
      minutesAccompagnement: Number(r.minutes),
      enveloppeConsommeeCentimes: r.budget ? Number(r.enveloppe) : null,
    }));
  }

  /** Only one preparation of a month at a time, across every replica (released at the commit). */
  async lockMonths(trx: Db): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:funder-reporting'))");
  }

  /** The last REPORTING file made for the month starting on `periodStart`, if any. */
  async fileOfMonth(db: Db, periodStart: string): Promise<{ name: string; status: string } | null> {
    const row = await db('funder_files')
      .where({ direction: 'out', flow: 'REPORTING', period_start: periodStart })
      .orderBy('sequence', 'desc')
      .first<{ name: string; status: string } | undefined>('name', 'status');
    return row ?? null;
  }
}
