import type { Db, Page } from '../db/types';
import { toPage } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import type { MissionStatus, ObjectiveResult } from './state-machine';

export interface MissionType {
  id: string;
  code: string;
  label: string;
  description: string | null;
  defaultMinutes: number;
  billingMode: 'hourly' | 'flat';
  rateCents: number;
  active: boolean;
  version: number;
}

export interface Mission {
  id: string;
  reference: string;
  organisationId: string;
  organisationName: string;
  householdId: string;
  requestId: string | null;
  requestReference: string | null;
  /** the linked request's aid and status, shown to whoever sees the mission */
  requestAidLabel: string | null;
  requestStatus: string | null;
  missionTypeId: string;
  typeLabel: string;
  typeCode: string;
  status: MissionStatus;
  origin: 'association' | 'landlord';
  reason: string;
  plannedMinutes: number;
  orderedByLabel: string;
  orderedAt: Date;
  adviserId: string | null;
  adviserName: string | null;
  consent: { date: string; method: string; recordedBy: string } | null;
  acceptedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  declineReason: string | null;
  interruptionReason: string | null;
  outcome: string | null;
  recommendations: string | null;
  reportBlobId: string | null;
  /** the ASD case number when the mission comes from an orientation of Action Logement */
  orientationAsd: string | null;
  /** when its content was erased at the end of the retention period */
  anonymisedAt: Date | null;
  version: number;
  /** the household, as the mission page shows it */
  householdAddress: string;
  holderName: string | null;
}

export interface Objective {
  id: string;
  position: number;
  category: string;
  text: string;
  result: ObjectiveResult | null;
}

export interface MissionSession {
  id: string;
  heldOn: string;
  durationMinutes: number;
  kind: string;
  participants: string;
  summary: string;
  privateNotes: string | null;
  nextSteps: string | null;
  /** the household reads the summary in its own space */
  sharedWithHousehold: boolean;
  recordedByLabel: string;
}

/** Who sees which missions: the association all, an adviser theirs, a landlord its own. */
export type MissionScope = { all: true } | { adviserId: string } | { organisationId: string; agencyId?: string | undefined };

/** A row of mission_types (rate_cents is a bigint, so a string). */
interface MissionTypeRow {
  id: string;
  code: string;
  label: string;
  description: string | null;
  default_minutes: number;
  billing_mode: MissionType['billingMode'];
  rate_cents: string;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A mission as `select` returns it: the row of missions and the names looked up beside it. */
interface MissionRow {
  id: string;
  reference: string;
  organisation_id: string;
  organisation_name: string;
  household_id: string;
  request_id: string | null;
  request_reference: string | null;
  request_aid_label: string | null;
  request_status: string | null;
  mission_type_id: string;
  type_label: string;
  type_code: string;
  status: MissionStatus;
  origin: Mission['origin'];
  reason: string;
  planned_minutes: number;
  ordered_by: string;
  ordered_by_label: string;
  ordered_at: Date;
  adviser_id: string | null;
  adviser_name: string | null;
  consent: Mission['consent'];
  accepted_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  decline_reason: string | null;
  interruption_reason: string | null;
  outcome: string | null;
  recommendations: string | null;
  report_blob_id: string | null;
  orientation_asd: string | null;
  anonymised_at: Date | null;
  version: number;
  updated_at: Date;
  household_address: string;
  holder_name: string | null;
}

/** A row of mission_sessions (held_on as 'YYYY-MM-DD'; summary and private notes encrypted as stored). */
interface SessionRow {
  id: string;
  mission_id: string;
  held_on: string;
  duration_minutes: number;
  kind: string;
  participants: string;
  summary: string;
  private_notes: string | null;
  next_steps: string | null;
  shared_with_household: boolean;
  recorded_by: string;
  recorded_by_label: string;
  created_at: Date;
}

/** A row of mission_objectives. */
interface ObjectiveRow {
  id: string;
  mission_id: string;
  position: number;
  category: string;
  text: string;
  result: ObjectiveResult | null;
}

const toType = (r: MissionTypeRow): MissionType => ({
  id: r.id,
  code: r.code,
  label: r.label,
  description: r.description ?? null,
  defaultMinutes: r.default_minutes,
  billingMode: r.billing_mode,
  rateCents: Number(r.rate_cents),
  active: r.active,
  version: r.version,
});

const toMission = (r: MissionRow): Mission => ({
  id: r.id,
  reference: r.reference,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  householdId: r.household_id,
  requestId: r.request_id ?? null,
  requestReference: r.request_reference ?? null,
  requestAidLabel: r.request_aid_label ?? null,
  requestStatus: r.request_status ?? null,
  missionTypeId: r.mission_type_id,
  typeLabel: r.type_label,
  typeCode: r.type_code,
  status: r.status,
  origin: r.origin,
  reason: r.reason,
  plannedMinutes: r.planned_minutes,
  orderedByLabel: r.ordered_by_label,
  orderedAt: r.ordered_at,
  adviserId: r.adviser_id ?? null,
  adviserName: r.adviser_name ?? null,
  consent: r.consent ?? null,
  acceptedAt: r.accepted_at ?? null,
  startedAt: r.started_at ?? null,
  endedAt: r.ended_at ?? null,
  declineReason: r.decline_reason ?? null,
  interruptionReason: r.interruption_reason ?? null,
  outcome: r.outcome ?? null,
  recommendations: r.recommendations ?? null,
  reportBlobId: r.report_blob_id ?? null,
  orientationAsd: r.orientation_asd ?? null,
  anonymisedAt: r.anonymised_at ?? null,
  version: r.version,
  householdAddress: r.household_address,
  holderName: r.holder_name ?? null,
});

const toSession = (r: SessionRow): MissionSession => ({
  id: r.id,
  heldOn: r.held_on,
  durationMinutes: r.duration_minutes,
  kind: r.kind,
  participants: r.participants,
  summary: r.summary,
  privateNotes: r.private_notes ?? null,
  nextSteps: r.next_steps ?? null,
  sharedWithHousehold: Boolean(r.shared_with_household),
  recordedByLabel: r.recorded_by_label,
});

export interface MissionFilter {
  status?: MissionStatus | undefined;
  type?: string | undefined;
  adviser?: string | undefined;
  /** only missions still running (proposed, accepted, in progress) */
  open?: boolean | undefined;
}

/** Missions, their objectives and sessions, mission types and billing lines. A session's summary and private notes are stored encrypted. */
export class MissionRepository {
  constructor(private readonly cipher: FieldCipher) {}

  private toSession(r: SessionRow): MissionSession {
    return toSession({
      ...r,
      summary: this.cipher.decrypt(r.summary, 'mission_sessions.summary'),
      private_notes: this.cipher.decryptNullable(r.private_notes, 'mission_sessions.private_notes'),
    });
  }

  // --- mission types ---
  async types(db: Db): Promise<MissionType[]> {
    return (await db<MissionTypeRow>('mission_types').orderByRaw('active desc, lower(label)')).map(toType);
  }

  async type(db: Db, id: string): Promise<MissionType | null> {
    const row = await db<MissionTypeRow>('mission_types').where({ id }).first();
    return row ? toType(row) : null;
  }

  async insertType(db: Db, t: Omit<MissionType, 'id' | 'version'>, now: Date): Promise<string> {
    const [row] = await db('mission_types')
      .insert({
        code: t.code,
        label: t.label,
        description: t.description,
        default_minutes: t.defaultMinutes,
        billing_mode: t.billingMode,
        rate_cents: t.rateCents,
        active: t.active,
        created_at: now,
        updated_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async updateType(db: Db, id: string, version: number, t: Omit<MissionType, 'id' | 'version' | 'code'>, now: Date): Promise<boolean> {
    const n = await db('mission_types')
      .where({ id, version })
      .update({
        label: t.label,
        description: t.description,
        default_minutes: t.defaultMinutes,
        billing_mode: t.billingMode,
        rate_cents: t.rateCents,
        active: t.active,
        version: version + 1,
        updated_at: now,
      })
      .returning('id');
    return n.length === 1;
  }

  // --- missions ---
  async nextReference(trx: Db, year: number): Promise<string> {
    const { rows } = await trx.raw<{ rows: Array<{ last_number: number }> }>(
      'insert into mission_sequences (year, last_number) values (?, 1) on conflict (year) do update set last_number = mission_sequences.last_number + 1 returning last_number',
      [year],
    );
    return `M${year}-${String(rows[0]?.last_number).padStart(5, '0')}`;
  }

  async insert(
    trx: Db,
    m: {
      reference: string;
      organisationId: string;
      householdId: string;
      requestId: string | null;
      missionTypeId: string;
      origin: string;
      reason: string;
      plannedMinutes: number;
      orderedBy: string;
      orderedByLabel: string;
      adviserId: string | null;
      /** the ASD case number, when the mission comes from an orientation of Action Logement */
      orientationAsd?: string | null;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('missions')
      .insert({
        reference: m.reference,
        organisation_id: m.organisationId,
        household_id: m.householdId,
        request_id: m.requestId,
        mission_type_id: m.missionTypeId,
        status: 'proposed',
        origin: m.origin,
        reason: m.reason,
        planned_minutes: m.plannedMinutes,
        ordered_by: m.orderedBy,
        ordered_by_label: m.orderedByLabel,
        ordered_at: now,
        adviser_id: m.adviserId,
        orientation_asd: m.orientationAsd ?? null,
        updated_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  private select(db: Db, scope: MissionScope) {
    const q = db('missions as m')
      .join('mission_types as t', 't.id', 'm.mission_type_id')
      .select<MissionRow[]>(
        'm.*',
        't.label as type_label',
        't.code as type_code',
        db.raw('(select o.name from organisations o where o.id = m.organisation_id) as organisation_name'),
        db.raw('(select r.reference from aid_requests r where r.id = m.request_id) as request_reference'),
        db.raw('(select t.label from aid_requests r join aid_types t on t.id = r.aid_type_id where r.id = m.request_id) as request_aid_label'),
        db.raw('(select r.status from aid_requests r where r.id = m.request_id) as request_status'),
        db.raw("(select u.first_name || ' ' || u.last_name from users u where u.id = m.adviser_id) as adviser_name"),
        db.raw("(select h.address_line1 || ', ' || h.postcode || ' ' || h.city from households h where h.id = m.household_id) as household_address"),
        db.raw(`(select p.first_names || ' ' || p.last_name from household_members hm join persons p on p.id = hm.person_id
                 where hm.household_id = m.household_id and hm.to_date is null order by hm.relationship <> 'holder', hm.from_date limit 1) as holder_name`),
      );
    if ('adviserId' in scope) q.where('m.adviser_id', scope.adviserId);
    else if ('organisationId' in scope) {
      q.where('m.organisation_id', scope.organisationId);
      if (scope.agencyId)
        q.whereExists((h) =>
          h
            .from('households as h')
            .whereRaw('h.id = m.household_id')
            .where('h.agency_id', scope.agencyId as string),
        );
    }
    return q;
  }

  /** Whether one of the missions assigned to this adviser is for this household (what lets them read it). */
  async adviserHasHousehold(db: Db, adviserId: string, householdId: string): Promise<boolean> {
    const row = await db('missions').where({ adviser_id: adviserId, household_id: householdId }).first<{ id: string } | undefined>('id');
    return row !== undefined;
  }

  /** Whether one of the missions assigned to this adviser is linked to this request (what lets them read it). */
  async adviserHasRequest(db: Db, adviserId: string, requestId: string): Promise<boolean> {
    const row = await db('missions').where({ adviser_id: adviserId, request_id: requestId }).first<{ id: string } | undefined>('id');
    return row !== undefined;
  }

  async findById(db: Db, scope: MissionScope, id: string, forUpdate = false): Promise<Mission | null> {
    const q = this.select(db, scope).where('m.id', id);
    if (forUpdate) q.forUpdate('m');
    const row = await q.first<MissionRow | undefined>();
    return row ? toMission(row) : null;
  }

  async list(db: Db, scope: MissionScope, f: MissionFilter, page: number, pageSize = 50): Promise<Page<Mission>> {
    const q = this.select(db, scope);
    if (f.status) q.where('m.status', f.status);
    if (f.type) q.where('m.mission_type_id', f.type);
    if (f.adviser) q.where('m.adviser_id', f.adviser);
    if (f.open) q.whereIn('m.status', ['proposed', 'accepted', 'in_progress']);
    const [count] = await db.from(q.clone().clearSelect().select(db.raw('1')).as('x')).count<{ n: string }[]>('* as n');
    const rows = await q
      .orderBy([
        { column: 'm.ordered_at', order: 'desc' },
        { column: 'm.id', order: 'desc' },
      ])
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return toPage(rows.map(toMission), Number(count?.n ?? 0), page, pageSize);
  }

  async forHousehold(db: Db, scope: MissionScope, householdId: string): Promise<Mission[]> {
    return (await this.select(db, scope).where('m.household_id', householdId).orderBy('m.ordered_at', 'desc')).map(toMission);
  }

  async update(trx: Db, id: string, version: number, patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await trx('missions')
      .where({ id, version })
      .update({ ...patch, version: version + 1, updated_at: now })
      .returning('id');
    return n.length === 1;
  }

  /** A household's aid requests a mission may be linked to (submitted ones, latest first). */
  async requestsOfHousehold(db: Db, householdId: string): Promise<Array<{ id: string; reference: string; label: string; status: string }>> {
    const rows = await db('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.household_id', householdId)
      .whereNotNull('r.reference')
      .orderBy('r.created_at', 'desc')
      .limit(50)
      .select<Array<{ id: string; reference: string; label: string; status: string }>>('r.id', 'r.reference', 't.label', 'r.status');
    return rows.map((r) => ({ id: r.id, reference: r.reference, label: r.label, status: r.status }));
  }

  // --- objectives and sessions ---
  async objectives(db: Db, missionId: string): Promise<Objective[]> {
    return (await db<ObjectiveRow>('mission_objectives').where({ mission_id: missionId }).orderBy('position')).map((r) => ({
      id: r.id,
      position: r.position,
      category: r.category,
      text: r.text,
      result: r.result ?? null,
    }));
  }

  async replaceObjectives(trx: Db, missionId: string, objectives: Array<{ category: string; text: string }>): Promise<void> {
    await trx('mission_objectives').where({ mission_id: missionId }).delete();
    if (objectives.length)
      await trx('mission_objectives').insert(objectives.map((o, i) => ({ mission_id: missionId, position: i + 1, category: o.category, text: o.text })));
  }

  async setObjectiveResults(trx: Db, missionId: string, results: Record<number, ObjectiveResult>): Promise<void> {
    for (const [position, result] of Object.entries(results))
      await trx('mission_objectives')
        .where({ mission_id: missionId, position: Number(position) })
        .update({ result });
  }

  async sessions(db: Db, missionId: string): Promise<MissionSession[]> {
    return (
      await db<SessionRow>('mission_sessions')
        .where({ mission_id: missionId })
        .orderBy([
          { column: 'held_on', order: 'desc' },
          { column: 'created_at', order: 'desc' },
        ])
    ).map((r) => this.toSession(r));
  }

  async insertSession(
    trx: Db,
    missionId: string,
    s: Omit<MissionSession, 'id' | 'recordedByLabel'>,
    by: { id: string; label: string },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('mission_sessions')
      .insert({
        mission_id: missionId,
        held_on: s.heldOn,
        duration_minutes: s.durationMinutes,
        kind: s.kind,
        participants: s.participants,
        summary: this.cipher.encrypt(s.summary, 'mission_sessions.summary'),
        private_notes: this.cipher.encryptNullable(s.privateNotes, 'mission_sessions.private_notes'),
        next_steps: s.nextSteps,
        shared_with_household: s.sharedWithHousehold,
        recorded_by: by.id,
        recorded_by_label: by.label,
        created_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  /** The sessions of several missions (the household page). */
  async sessionsOf(db: Db, missionIds: string[]): Promise<Array<MissionSession & { missionId: string }>> {
    if (missionIds.length === 0) return [];
    return (await db<SessionRow>('mission_sessions').whereIn('mission_id', missionIds).orderBy('held_on', 'desc')).map((r) => ({
      ...this.toSession(r),
      missionId: r.mission_id,
    }));
  }

  /** The appointments of several missions, as the household page lists them (no contact details). */
  async appointmentsOf(
    db: Db,
    missionIds: string[],
  ): Promise<Array<{ missionId: string; startsAt: Date; durationMinutes: number; mode: string; status: string }>> {
    if (missionIds.length === 0) return [];
    return (
      await db('appointments')
        .whereIn('mission_id', missionIds)
        .orderBy('starts_at', 'desc')
        .select<Array<{ mission_id: string; starts_at: Date; duration_minutes: number; mode: string; status: string }>>(
          'mission_id',
          'starts_at',
          'duration_minutes',
          'mode',
          'status',
        )
    ).map((r) => ({
      missionId: r.mission_id,
      startsAt: r.starts_at,
      durationMinutes: r.duration_minutes,
      mode: r.mode,
      status: r.status,
    }));
  }

  /** The household's current members and their contact details. */
  async currentMembers(db: Db, householdId: string): Promise<Array<{ name: string; relationship: string; phone: string | null; email: string | null }>> {
    const rows = await db('household_members as hm')
      .join('persons as p', 'p.id', 'hm.person_id')
      .where('hm.household_id', householdId)
      .whereNull('hm.to_date')
      .orderByRaw("hm.relationship <> 'holder', hm.from_date")
      .select<Array<{ first_names: string; last_name: string; relationship: string; phone: string | null; email: string | null }>>(
        'p.first_names',
        'p.last_name',
        'hm.relationship',
        'p.phone',
        'p.email',
      );
    return rows.map((r) => ({ name: `${r.first_names} ${r.last_name}`, relationship: r.relationship, phone: r.phone ?? null, email: r.email ?? null }));
  }

  async sessionMinutes(db: Db, missionId: string): Promise<number> {
    const [row] = await db('mission_sessions').where({ mission_id: missionId }).sum<{ s: string | null }[]>('duration_minutes as s');
    return Number(row?.s ?? 0);
  }

  // --- billing ---
  async insertBillingLine(
    trx: Db,
    l: {
      missionId: string;
      organisationId: string;
      period: string;
      missionTypeId: string;
      billingMode: string;
      minutes: number;
      rateCents: number;
      amountCents: number;
    },
    now: Date,
  ): Promise<void> {
    await trx('mission_billing_lines')
      .insert({
        mission_id: l.missionId,
        organisation_id: l.organisationId,
        period: l.period,
        mission_type_id: l.missionTypeId,
        billing_mode: l.billingMode,
        minutes: l.minutes,
        rate_cents: l.rateCents,
        amount_cents: l.amountCents,
        created_at: now,
      })
      .onConflict('mission_id')
      .ignore();
  }

  async billingLines(
    db: Db,
    period?: string,
  ): Promise<
    Array<{
      period: string;
      organisationName: string;
      reference: string;
      typeLabel: string;
      billingMode: string;
      minutes: number;
      rateCents: number;
      amountCents: number;
      status: string;
    }>
  > {
    const q = db('mission_billing_lines as b')
      .join('missions as m', 'm.id', 'b.mission_id')
      .join('mission_types as t', 't.id', 'b.mission_type_id')
      .join('organisations as o', 'o.id', 'b.organisation_id')
      .orderBy([{ column: 'b.period', order: 'desc' }, { column: 'o.name' }, { column: 'm.reference' }])
      .select<
        Array<{
          period: string;
          organisation_name: string;
          reference: string;
          type_label: string;
          billing_mode: string;
          minutes: number;
          rate_cents: string;
          amount_cents: string;
          status: string;
        }>
      >('b.*', 'o.name as organisation_name', 'm.reference', 'm.status', 't.label as type_label');
    if (period) q.where('b.period', period);
    return (await q).map((r) => ({
      period: r.period,
      organisationName: r.organisation_name,
      reference: r.reference,
      typeLabel: r.type_label,
      billingMode: r.billing_mode,
      minutes: r.minutes,
      rateCents: Number(r.rate_cents),
      amountCents: Number(r.amount_cents),
      status: r.status,
    }));
  }

  async billingPeriods(db: Db): Promise<string[]> {
    return (await db('mission_billing_lines').distinct<Array<{ period: string }>>('period').orderBy('period', 'desc')).map((r) => r.period);
  }

  // --- dashboard ---
  async stats(db: Db): Promise<{
    byStatus: Array<{ status: string; n: number }>;
    byType: Array<{ label: string; n: number }>;
    byAdviser: Array<{ name: string; open: number; done: number }>;
    averageDays: number | null;
    outcomes: Array<{ result: string; n: number }>;
  }> {
    const [byStatus, byType, byAdviser, avg, outcomes] = await Promise.all([
      db('missions').groupBy('status').select<Array<{ status: string; n: string }>>('status', db.raw('count(*) as n')),
      db('missions as m')
        .join('mission_types as t', 't.id', 'm.mission_type_id')
        .groupBy('t.label')
        .orderBy('t.label')
        .select<Array<{ label: string; n: string }>>('t.label', db.raw('count(*) as n')),
      db('missions as m')
        .join('users as u', 'u.id', 'm.adviser_id')
        .groupBy('u.id', 'u.first_name', 'u.last_name')
        .orderBy('u.last_name')
        .select<Array<{ name: string; open: string; done: string }>>(
          db.raw("u.first_name || ' ' || u.last_name as name"),
          db.raw("count(*) filter (where m.status in ('proposed','accepted','in_progress')) as open"),
          db.raw("count(*) filter (where m.status in ('completed','interrupted')) as done"),
        ),
      db('missions')
        .whereIn('status', ['completed', 'interrupted'])
        .whereNotNull('started_at')
        .first<{ days: string | null } | undefined>(db.raw('avg(extract(epoch from ended_at - started_at) / 86400) as days')),
      db('mission_objectives as o')
        .join('missions as m', 'm.id', 'o.mission_id')
        .where('m.status', 'completed')
        .whereNotNull('o.result')
        .groupBy('o.result')
        .select<Array<{ result: string; n: string }>>('o.result', db.raw('count(*) as n')),
    ]);
    return {
      byStatus: byStatus.map((r) => ({ status: r.status, n: Number(r.n) })),
      byType: byType.map((r) => ({ label: r.label, n: Number(r.n) })),
      byAdviser: byAdviser.map((r) => ({ name: r.name, open: Number(r.open), done: Number(r.done) })),
      averageDays: avg?.days === null || avg?.days === undefined ? null : Math.round(Number(avg.days)),
      outcomes: outcomes.map((r) => ({ result: r.result, n: Number(r.n) })),
    };
  }
}
