import type { Db } from '../db/types';
import { departementSql } from '../shared/departement';

/** The extract's period: from the first Paris midnight of its first month to the one after its last month. */
export interface ExtractBounds {
  from: Date;
  to: Date;
}

/**
 * A request as the extract reads it: raw ids (pseudonymised by the service, never written), codes,
 * Paris days and cents — nothing else of the dossier (no name, contact, address, IBAN, free text).
 */
export interface ExtractRequestRow {
  id: string;
  /** the household, or the one it was merged into */
  householdId: string;
  /** the first member of the situation as filed (the holder), or the person they were merged into */
  holderId: string | null;
  holderBirthYear: number | null;
  departement: string;
  landlordName: string;
  landlordSiren: string | null;
  aidCode: string;
  status: string;
  submittedOn: string;
  informationRequestedOn: string | null;
  informationAnsweredOn: string | null;
  decidedOn: string | null;
  decisionKind: string | null;
  refusalReason: string | null;
  cause: string | null;
  members: number;
  /** members under 18 on the submission day; null when a member's birth date is unknown */
  minors: number | null;
  rentCents: number | null;
  chargesCents: number | null;
  housingAllowanceCents: number | null;
  resourcesCents: number | null;
  arrearsCents: number | null;
  arrearsMonths: number | null;
  requestedCents: number | null;
  requestedMonths: number | null;
  grantedCents: number | null;
  paidCents: number;
}

/** A support mission as the extract reads it (no reason, objective text, summary, note or outcome). */
export interface ExtractMissionRow {
  id: string;
  householdId: string;
  requestId: string | null;
  departement: string;
  landlordName: string;
  landlordSiren: string | null;
  missionCode: string;
  origin: string;
  status: string;
  orderedOn: string;
  acceptedOn: string | null;
  startedOn: string | null;
  endedOn: string | null;
  plannedMinutes: number;
  sessions: number;
  sessionMinutes: number;
  objectives: number;
  objectivesReached: number;
  objectivesPartly: number;
  objectivesNotReached: number;
  /** the household's members on the order day (its membership history) */
  members: number;
  minors: number;
}

/** One cell of the aggregate sheet before secrecy: requests submitted in a month, for an aid type, in a département. */
export interface ExtractAggregateRow {
  month: string;
  aidCode: string;
  departement: string;
  requests: number;
  households: number;
  grants: number;
  grantedHouseholds: number;
  requestedCents: number;
  grantedCents: number;
}

const PARIS_DAY = (column: string) => `to_char(${column} at time zone 'Europe/Paris', 'YYYY-MM-DD')`;
const SUBMITTED_DAY = `(r.submitted_at at time zone 'Europe/Paris')::date`;
const ORDERED_DAY = `(m.ordered_at at time zone 'Europe/Paris')::date`;
/** A uuid written in the situation snapshot (anything else reads as no person, never as an error). */
const SNAPSHOT_UUID = (text: string) => `case when ${text} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (${text})::uuid end`;
const CENTS = (path: string) => `case when jsonb_typeof(r.situation->'${path}') = 'number' then (r.situation->>'${path}')::bigint end`;

/** Requests submitted in the period, oldest first: one row each, read through a cursor. */
const REQUESTS_SQL = `
select r.id,
       coalesce(h.merged_into_id, h.id) as household_id,
       coalesce(hp.merged_into_id::text, hp.id::text, r.situation->'members'->0->>'personId') as holder_id,
       extract(year from hp.birth_date)::int as holder_birth_year,
       ${departementSql('h.postcode')} as departement,
       o.name as landlord_name, o.siren as landlord_siren, at.code as aid_code, r.status,
       ${PARIS_DAY('r.submitted_at')} as submitted_on,
       ${PARIS_DAY('r.information_requested_at')} as information_requested_on,
       ${PARIS_DAY('r.information_answered_at')} as information_answered_on,
       ${PARIS_DAY('r.decided_at')} as decided_on,
       d.kind as decision_kind, case when d.kind = 'refuse' then d.reason_code end as refusal_reason,
       r.situation->>'cause' as cause,
       c.members, c.minors,
       ${CENTS('rentCents')} as rent_cents,
       ${CENTS('chargesCents')} as charges_cents,
       ${CENTS('housingAllowanceCents')} as housing_allowance_cents,
       c.resources_cents,
       ${CENTS('arrearsCents')} as arrears_cents,
       case when jsonb_typeof(r.situation->'arrearsMonths') = 'number' then (r.situation->>'arrearsMonths')::int end as arrears_months,
       r.requested_cents, r.requested_months, r.granted_cents,
       (select coalesce(sum(p.amount_cents), 0) from payments p where p.request_id = r.id and p.status in ('sent', 'settled')) as paid_cents
from aid_requests r
join households h on h.id = r.household_id
join organisations o on o.id = r.organisation_id
join aid_types at on at.id = r.aid_type_id
left join persons hp on hp.id = ${SNAPSHOT_UUID(`r.situation->'members'->0->>'personId'`)}
left join lateral (
  select dd.kind, dd.reason_code from decisions dd
  where dd.request_id = r.id and dd.status = 'applied'
  order by coalesce(dd.validated_at, dd.proposed_at) desc, dd.id desc
  limit 1
) d on true
cross join lateral (
  select count(*)::int as members,
         case when count(p.id) = count(*) then (count(*) filter (where p.birth_date > (${SUBMITTED_DAY} - interval '18 years')::date))::int end as minors,
         sum(case when jsonb_typeof(e.value->'resourcesCents') = 'number' then (e.value->>'resourcesCents')::bigint end) as resources_cents
  from jsonb_array_elements(case when jsonb_typeof(r.situation->'members') = 'array' then r.situation->'members' else '[]'::jsonb end) e
  left join persons p on p.id = ${SNAPSHOT_UUID(`e.value->>'personId'`)}
) c
where r.submitted_at >= :from and r.submitted_at < :to
order by r.submitted_at, r.id`;

/** Missions ordered in the period, oldest first. */
const MISSIONS_SQL = `
select m.id,
       coalesce(h.merged_into_id, h.id) as household_id,
       m.request_id,
       ${departementSql('h.postcode')} as departement,
       o.name as landlord_name, o.siren as landlord_siren, mt.code as mission_code, m.origin, m.status,
       ${PARIS_DAY('m.ordered_at')} as ordered_on,
       ${PARIS_DAY('m.accepted_at')} as accepted_on,
       ${PARIS_DAY('m.started_at')} as started_on,
       ${PARIS_DAY('m.ended_at')} as ended_on,
       m.planned_minutes,
       (select count(*)::int from mission_sessions s where s.mission_id = m.id) as sessions,
       (select coalesce(sum(s.duration_minutes), 0)::int from mission_sessions s where s.mission_id = m.id) as session_minutes,
       g.objectives, g.reached, g.partly, g.not_reached,
       c.members, c.minors
from missions m
join households h on h.id = m.household_id
join organisations o on o.id = m.organisation_id
join mission_types mt on mt.id = m.mission_type_id
cross join lateral (
  select count(*)::int as objectives,
         (count(*) filter (where j.result = 'reached'))::int as reached,
         (count(*) filter (where j.result = 'partly'))::int as partly,
         (count(*) filter (where j.result = 'not_reached'))::int as not_reached
  from mission_objectives j where j.mission_id = m.id
) g
cross join lateral (
  select count(*)::int as members,
         (count(*) filter (where p.birth_date > (${ORDERED_DAY} - interval '18 years')::date))::int as minors
  from household_members hm
  join persons p on p.id = hm.person_id
  where hm.household_id = m.household_id and hm.from_date <= ${ORDERED_DAY} and (hm.to_date is null or hm.to_date >= ${ORDERED_DAY})
) c
where m.ordered_at >= :from and m.ordered_at < :to
order by m.ordered_at, m.id`;

/** Requests of the period counted by month of submission (Paris), aid type and département, with the households behind each figure. */
const AGGREGATES_SQL = `
select to_char(r.submitted_at at time zone 'Europe/Paris', 'YYYY-MM') as month, at.code as aid_code,
       ${departementSql('h.postcode')} as departement,
       count(*) as requests,
       count(distinct coalesce(h.merged_into_id, h.id)) as households,
       count(*) filter (where r.granted_cents is not null) as grants,
       count(distinct coalesce(h.merged_into_id, h.id)) filter (where r.granted_cents is not null) as granted_households,
       coalesce(sum(r.requested_cents), 0) as requested_cents,
       coalesce(sum(r.granted_cents), 0) as granted_cents
from aid_requests r
join households h on h.id = r.household_id
join aid_types at on at.id = r.aid_type_id
where r.submitted_at >= :from and r.submitted_at < :to
group by 1, 2, 3
order by 1, 2, 3`;

type Num = string | number;

interface RequestRecord {
  id: string;
  household_id: string;
  holder_id: string | null;
  holder_birth_year: Num | null;
  departement: string;
  landlord_name: string;
  landlord_siren: string | null;
  aid_code: string;
  status: string;
  submitted_on: string;
  information_requested_on: string | null;
  information_answered_on: string | null;
  decided_on: string | null;
  decision_kind: string | null;
  refusal_reason: string | null;
  cause: string | null;
  members: Num;
  minors: Num | null;
  rent_cents: Num | null;
  charges_cents: Num | null;
  housing_allowance_cents: Num | null;
  resources_cents: Num | null;
  arrears_cents: Num | null;
  arrears_months: Num | null;
  requested_cents: Num | null;
  requested_months: Num | null;
  granted_cents: Num | null;
  paid_cents: Num;
}

type MissionRecord = Record<string, unknown>;

const num = (v: Num | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function toRequest(r: RequestRecord): ExtractRequestRow {
  return {
    id: r.id,
    householdId: r.household_id,
    holderId: r.holder_id,
    holderBirthYear: num(r.holder_birth_year),
    departement: r.departement,
    landlordName: r.landlord_name,
    landlordSiren: r.landlord_siren,
    aidCode: r.aid_code,
    status: r.status,
    submittedOn: r.submitted_on,
    informationRequestedOn: r.information_requested_on,
    informationAnsweredOn: r.information_answered_on,
    decidedOn: r.decided_on,
    decisionKind: r.decision_kind,
    refusalReason: r.refusal_reason,
    cause: r.cause,
    members: Number(r.members),
    minors: num(r.minors),
    rentCents: num(r.rent_cents),
    chargesCents: num(r.charges_cents),
    housingAllowanceCents: num(r.housing_allowance_cents),
    resourcesCents: num(r.resources_cents),
    arrearsCents: num(r.arrears_cents),
    arrearsMonths: num(r.arrears_months),
    requestedCents: num(r.requested_cents),
    requestedMonths: num(r.requested_months),
    grantedCents: num(r.granted_cents),
    paidCents: Number(r.paid_cents),
  };
}

function toMission(r: MissionRecord): ExtractMissionRow {
  const n = (key: string) => Number(r[key] ?? 0);
  const text = (key: string) => (r[key] ?? null) as string | null;
  return {
    id: r.id as string,
    householdId: r.household_id as string,
    requestId: text('request_id'),
    departement: r.departement as string,
    landlordName: r.landlord_name as string,
    landlordSiren: text('landlord_siren'),
    missionCode: r.mission_code as string,
    origin: r.origin as string,
    status: r.status as string,
    orderedOn: r.ordered_on as string,
    acceptedOn: text('accepted_on'),
    startedOn: text('started_on'),
    endedOn: text('ended_on'),
    plannedMinutes: n('planned_minutes'),
    sessions: n('sessions'),
    sessionMinutes: n('session_minutes'),
    objectives: n('objectives'),
    objectivesReached: n('reached'),
    objectivesPartly: n('partly'),
    objectivesNotReached: n('not_reached'),
    members: n('members'),
    minors: n('minors'),
  };
}

/**
 * The reads of the pseudonymised extract. Rows come through a server-side cursor, a page at a
 * time, inside the caller's transaction: one query over the period (sorted once), never the whole
 * period in memory. The cursor closes with the transaction.
 */
export class ExtractRepository {
  constructor(private readonly pageSize = 2000) {}

  async *requests(trx: Db, bounds: ExtractBounds): AsyncGenerator<ExtractRequestRow[]> {
    await trx.raw(`declare extract_requests no scroll cursor for ${REQUESTS_SQL}`, { from: bounds.from, to: bounds.to });
    yield* this.pages(trx, 'extract_requests', (r: RequestRecord) => toRequest(r));
  }

  async *missions(trx: Db, bounds: ExtractBounds): AsyncGenerator<ExtractMissionRow[]> {
    await trx.raw(`declare extract_missions no scroll cursor for ${MISSIONS_SQL}`, { from: bounds.from, to: bounds.to });
    yield* this.pages(trx, 'extract_missions', (r: MissionRecord) => toMission(r));
  }

  /** A few hundred cells at most (months × aid types × départements): read at once. */
  async aggregates(trx: Db, bounds: ExtractBounds): Promise<ExtractAggregateRow[]> {
    const result = await trx.raw<{ rows: Array<Record<string, Num>> }>(AGGREGATES_SQL, { from: bounds.from, to: bounds.to });
    return result.rows.map((r) => ({
      month: String(r.month),
      aidCode: String(r.aid_code),
      departement: String(r.departement),
      requests: Number(r.requests),
      households: Number(r.households),
      grants: Number(r.grants),
      grantedHouseholds: Number(r.granted_households),
      requestedCents: Number(r.requested_cents),
      grantedCents: Number(r.granted_cents),
    }));
  }

  private async *pages<R, T>(trx: Db, cursor: 'extract_requests' | 'extract_missions', map: (row: R) => T): AsyncGenerator<T[]> {
    for (;;) {
      const result = await trx.raw<{ rows: R[] }>(`fetch forward ${this.pageSize} from ${cursor}`);
      if (result.rows.length > 0) yield result.rows.map(map);
      if (result.rows.length < this.pageSize) break;
    }
    await trx.raw(`close ${cursor}`);
  }
}
