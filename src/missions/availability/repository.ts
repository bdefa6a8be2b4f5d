import type { Db } from '../../db/types';
import type { AvailabilityException, BusyTime, SlotMode, WeeklyOpening } from './slots';

export interface AppointmentKind {
  id: string;
  label: string;
  durationMinutes: number;
  position: number;
  active: boolean;
}

export interface StoredOpening extends WeeklyOpening {
  id: string;
  adviserId: string;
}

export interface StoredException extends AvailabilityException {
  id: string;
  adviserId: string;
  note: string | null;
}

export interface Adviser {
  id: string;
  name: string;
  email: string;
  organisationId: string;
}

/** A household's appointment, as its space lists it. */
export interface HouseholdAppointment {
  id: string;
  missionId: string | null;
  adviserId: string;
  adviserName: string;
  startsAt: Date;
  durationMinutes: number;
  mode: SlotMode;
  place: string;
  reason: string | null;
  kindId: string | null;
  status: string;
  bookedBy: string;
  version: number;
}

const LIVE = ['scheduled', 'confirmed'];

/** Advisers' weekly openings and exceptions, the kinds of appointment, and the bookings made from them. */
export class AvailabilityRepository {
  // --- kinds ---
  async kinds(db: Db, activeOnly = true): Promise<AppointmentKind[]> {
    const q = db('appointment_kinds').orderBy(['position', 'label']);
    if (activeOnly) q.where({ active: true });
    const rows = (await q) as Array<{ id: string; label: string; duration_minutes: number; position: number; active: boolean }>;
    return rows.map((r) => ({ id: r.id, label: r.label, durationMinutes: r.duration_minutes, position: r.position, active: r.active }));
  }

  async updateKind(trx: Db, id: string, patch: { label: string; durationMinutes: number; active: boolean }): Promise<boolean> {
    const n = await trx('appointment_kinds')
      .where({ id })
      .update({ label: patch.label, duration_minutes: patch.durationMinutes, active: patch.active })
      .returning('id');
    return n.length === 1;
  }

  async insertKind(trx: Db, k: { label: string; durationMinutes: number }): Promise<string> {
    const [row] = await trx('appointment_kinds')
      .insert({ label: k.label, duration_minutes: k.durationMinutes, position: trx.raw('(select coalesce(max(position), 0) + 1 from appointment_kinds)') })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async labelTaken(db: Db, label: string, exceptId: string | null): Promise<boolean> {
    const q = db('appointment_kinds').whereRaw('lower(label) = lower(?)', [label]);
    if (exceptId) q.whereNot({ id: exceptId });
    return Boolean(await q.first('id'));
  }

  // --- advisers ---
  /** Active social advisers of an organisation (the association). */
  async advisers(db: Db, ids?: readonly string[]): Promise<Adviser[]> {
    const q = db('users').where({ role: 'social_adviser', status: 'active' }).orderBy(['last_name', 'first_name']);
    if (ids) q.whereIn('id', ids);
    const rows = await q.select<Array<{ id: string; first_name: string; last_name: string; email: string; organisation_id: string }>>(
      'id',
      'first_name',
      'last_name',
      'email',
      'organisation_id',
    );
    return rows.map((r) => ({ id: r.id, name: `${r.first_name} ${r.last_name}`, email: r.email, organisationId: r.organisation_id }));
  }

  /** Advisers who publish at least one weekly opening or opening day. */
  async advisersWithOpenings(db: Db): Promise<string[]> {
    const rows = (await db
      .select('adviser_id')
      .from('availability_slots')
      .union((q) => q.select('adviser_id').from('availability_exceptions').where({ kind: 'open' }))) as Array<{ adviser_id: string }>;
    return [...new Set(rows.map((r) => r.adviser_id))];
  }

  // --- openings ---
  async openings(db: Db, adviserIds: readonly string[]): Promise<StoredOpening[]> {
    if (adviserIds.length === 0) return [];
    const rows = (await db('availability_slots').whereIn('adviser_id', adviserIds).orderBy(['weekday', 'from_time'])) as Array<{
      id: string;
      adviser_id: string;
      weekday: number;
      from_time: string;
      to_time: string;
      mode: SlotMode;
      place: string;
    }>;
    return rows.map((r) => ({ id: r.id, adviserId: r.adviser_id, weekday: Number(r.weekday), from: r.from_time, to: r.to_time, mode: r.mode, place: r.place }));
  }

  async insertOpening(trx: Db, o: Omit<StoredOpening, 'id'>, now: Date): Promise<string> {
    const [row] = await trx('availability_slots')
      .insert({ adviser_id: o.adviserId, weekday: o.weekday, from_time: o.from, to_time: o.to, mode: o.mode, place: o.place, created_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async deleteOpening(trx: Db, adviserId: string, id: string): Promise<StoredOpening | null> {
    const [row] = (await trx('availability_slots').where({ id, adviser_id: adviserId }).delete().returning('*')) as Array<{
      id: string;
      adviser_id: string;
      weekday: number;
      from_time: string;
      to_time: string;
      mode: SlotMode;
      place: string;
    }>;
    return row
      ? { id: row.id, adviserId: row.adviser_id, weekday: Number(row.weekday), from: row.from_time, to: row.to_time, mode: row.mode, place: row.place }
      : null;
  }

  // --- exceptions ---
  async exceptions(db: Db, adviserIds: readonly string[], fromDate: string): Promise<StoredException[]> {
    if (adviserIds.length === 0) return [];
    const rows = (await db('availability_exceptions')
      .whereIn('adviser_id', adviserIds)
      .where('ends_on', '>=', fromDate)
      .orderBy(['starts_on', 'from_time'])) as ExceptionRow[];
    return rows.map(toException);
  }

  async insertException(trx: Db, e: Omit<StoredException, 'id'>, now: Date): Promise<string> {
    const [row] = await trx('availability_exceptions')
      .insert({
        adviser_id: e.adviserId,
        kind: e.kind,
        starts_on: e.startsOn,
        ends_on: e.endsOn,
        from_time: e.from,
        to_time: e.to,
        mode: e.mode,
        place: e.place,
        note: e.note,
        created_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async deleteException(trx: Db, adviserId: string, id: string): Promise<StoredException | null> {
    const [row] = (await trx('availability_exceptions').where({ id, adviser_id: adviserId }).delete().returning('*')) as ExceptionRow[];
    return row ? toException(row) : null;
  }

  // --- bookings ---
  /**
   * Serialises the bookings of one adviser until the transaction ends: two households choosing the
   * same adviser's times one after the other see each other's booking when they check overlaps.
   */
  async lockAdviser(trx: Db, adviserId: string): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('appointments:' || ?::text))", [adviserId]);
  }

  /** Live appointments of advisers meeting a span (what is no longer free), an appointment left out (the one being moved). */
  async busy(db: Db, adviserIds: readonly string[], from: Date, to: Date, exceptId?: string): Promise<Array<BusyTime & { adviserId: string }>> {
    if (adviserIds.length === 0) return [];
    const q = db('appointments')
      .whereIn('adviser_id', adviserIds)
      .whereIn('status', LIVE)
      .where('starts_at', '<', to)
      .whereRaw("starts_at + duration_minutes * interval '1 minute' > ?", [from]);
    if (exceptId) q.whereNot({ id: exceptId });
    const rows = await q.select<Array<{ adviser_id: string; starts_at: Date; duration_minutes: number }>>('adviser_id', 'starts_at', 'duration_minutes');
    return rows.map((r) => ({ adviserId: r.adviser_id, startsAt: new Date(r.starts_at), durationMinutes: r.duration_minutes }));
  }

  async insertBooking(
    trx: Db,
    b: {
      missionId: string | null;
      householdId: string | null;
      organisationId: string;
      adviserId: string;
      kindId: string;
      reason: string;
      startsAt: Date;
      durationMinutes: number;
      mode: SlotMode;
      place: string;
      contactName: string;
      contactEmail: string | null;
      contactPhone: string | null;
      bookedBy: 'household' | 'public' | 'adviser';
    },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('appointments')
      .insert({
        mission_id: b.missionId,
        household_id: b.householdId,
        organisation_id: b.organisationId,
        adviser_id: b.adviserId,
        kind_id: b.kindId,
        reason: b.reason,
        starts_at: b.startsAt,
        duration_minutes: b.durationMinutes,
        mode: b.mode,
        place: b.place,
        contact_name: b.contactName,
        contact_email: b.contactEmail,
        contact_phone: b.contactPhone,
        booked_by: b.bookedBy,
        status: 'scheduled',
        created_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async move(trx: Db, id: string, version: number, to: { adviserId: string; startsAt: Date; mode: SlotMode; place: string }): Promise<boolean> {
    const n = await trx('appointments')
      .where({ id, version })
      .whereIn('status', LIVE)
      .update({
        adviser_id: to.adviserId,
        starts_at: to.startsAt,
        mode: to.mode,
        place: to.place,
        status: 'scheduled',
        confirmed_at: null,
        version: version + 1,
      })
      .returning('id');
    return n.length === 1;
  }

  async cancel(trx: Db, id: string, version: number, byLabel: string, now: Date): Promise<boolean> {
    const n = await trx('appointments')
      .where({ id, version })
      .whereIn('status', LIVE)
      .update({ status: 'cancelled', cancelled_at: now, cancelled_by_label: byLabel, version: version + 1 })
      .returning('id');
    return n.length === 1;
  }

  /** The household's appointments: booked from its space, or set on one of its missions. */
  async ofHousehold(db: Db, householdId: string, opts: { id?: string; forUpdate?: boolean } = {}): Promise<HouseholdAppointment[]> {
    const q = db('appointments as a')
      .leftJoin('missions as m', 'm.id', 'a.mission_id')
      .join('users as u', 'u.id', 'a.adviser_id')
      .where((w) => w.where('a.household_id', householdId).orWhere('m.household_id', householdId))
      .orderBy('a.starts_at', 'desc')
      .select<HouseholdRow[]>('a.*', db.raw("u.first_name || ' ' || u.last_name as adviser_name"));
    if (opts.id) q.where('a.id', opts.id);
    if (opts.forUpdate) q.forUpdate('a');
    return (await q).map((r) => ({
      id: r.id,
      missionId: r.mission_id,
      adviserId: r.adviser_id,
      adviserName: r.adviser_name,
      startsAt: new Date(r.starts_at),
      durationMinutes: r.duration_minutes,
      mode: r.mode,
      place: r.place,
      reason: r.reason,
      kindId: r.kind_id,
      status: r.status,
      bookedBy: r.booked_by,
      version: r.version,
    }));
  }

  /** The household's live missions with an adviser: whom it books with, and the mission a booking is filed under. */
  async liveMissions(db: Db, householdId: string): Promise<Array<{ id: string; adviserId: string; reference: string }>> {
    const rows = await db('missions')
      .where({ household_id: householdId })
      .whereIn('status', ['proposed', 'accepted', 'in_progress'])
      .whereNotNull('adviser_id')
      .orderBy('ordered_at', 'desc')
      .select<Array<{ id: string; adviser_id: string; reference: string }>>('id', 'adviser_id', 'reference');
    return rows.map((r) => ({ id: r.id, adviserId: r.adviser_id, reference: r.reference }));
  }

  /** The name and e-mail a booking from the household space is made under. */
  async person(db: Db, personId: string): Promise<{ name: string; email: string | null; phone: string | null } | null> {
    const row = (await db('persons').where({ id: personId }).first()) as Record<string, unknown> | undefined;
    if (!row) return null;
    const str = (k: string) => (typeof row[k] === 'string' && row[k] !== '' ? row[k] : null);
    return { name: [str('first_names'), str('last_name')].filter(Boolean).join(' '), email: str('email'), phone: str('phone') };
  }
}

interface HouseholdRow {
  id: string;
  mission_id: string | null;
  adviser_id: string;
  adviser_name: string;
  starts_at: Date;
  duration_minutes: number;
  mode: SlotMode;
  place: string;
  reason: string | null;
  kind_id: string | null;
  status: string;
  booked_by: string;
  version: number;
}

interface ExceptionRow {
  id: string;
  adviser_id: string;
  kind: 'closed' | 'open';
  starts_on: string;
  ends_on: string;
  from_time: string | null;
  to_time: string | null;
  mode: SlotMode | null;
  place: string | null;
  note: string | null;
}

const toException = (r: ExceptionRow): StoredException => ({
  id: r.id,
  adviserId: r.adviser_id,
  kind: r.kind,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  from: r.from_time,
  to: r.to_time,
  mode: r.mode,
  place: r.place,
  note: r.note,
});
