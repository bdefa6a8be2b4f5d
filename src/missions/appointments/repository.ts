import type { Db } from '../../db/types';

export type AppointmentStatus = 'scheduled' | 'confirmed' | 'cancelled' | 'done' | 'no_show';

export interface Appointment {
  id: string;
  /** null for an appointment booked from the association's QR code by someone with no mission */
  missionId: string | null;
  missionReference: string;
  /** the landlord of the mission's household (its audit lines are filed under it) */
  organisationId: string;
  adviserId: string;
  adviserName: string;
  adviserEmail: string;
  startsAt: Date;
  durationMinutes: number;
  mode: string;
  place: string;
  contactName: string;
  contactEmail: string | null;
  /** who took the slot: the adviser (as before), the household from its space, anyone from the QR code */
  bookedBy: 'adviser' | 'household' | 'public';
  reason: string | null;
  contactPhone: string | null;
  status: AppointmentStatus;
  confirmedAt: Date | null;
  cancelledAt: Date | null;
  cancelledByLabel: string | null;
  version: number;
}

/** An appointment as `select` returns it: the row of appointments, its mission's reference and landlord, its adviser's name and e-mail. */
interface AppointmentRow {
  id: string;
  mission_id: string | null;
  mission_reference: string | null;
  mission_organisation_id: string;
  adviser_id: string;
  adviser_name: string | null;
  adviser_email: string | null;
  starts_at: Date;
  duration_minutes: number;
  mode: string;
  place: string;
  contact_name: string;
  contact_email: string | null;
  booked_by: 'adviser' | 'household' | 'public';
  reason: string | null;
  contact_phone: string | null;
  status: AppointmentStatus;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
  cancelled_by_label: string | null;
  version: number;
  created_at: Date;
}

const toAppointment = (r: AppointmentRow): Appointment => ({
  id: r.id,
  missionId: r.mission_id,
  missionReference: r.mission_reference ?? '',
  organisationId: r.mission_organisation_id,
  adviserId: r.adviser_id,
  adviserName: r.adviser_name ?? '',
  adviserEmail: r.adviser_email ?? '',
  startsAt: r.starts_at,
  durationMinutes: r.duration_minutes,
  mode: r.mode,
  place: r.place,
  contactName: r.contact_name,
  contactEmail: r.contact_email ?? null,
  bookedBy: r.booked_by ?? 'adviser',
  reason: r.reason ?? null,
  contactPhone: r.contact_phone ?? null,
  status: r.status,
  confirmedAt: r.confirmed_at ?? null,
  cancelledAt: r.cancelled_at ?? null,
  cancelledByLabel: r.cancelled_by_label ?? null,
  version: r.version,
});

/** Appointments of missions and their reminders. */
export class AppointmentRepository {
  private select(db: Db) {
    // an appointment booked from the QR code has no mission: its organisation is on the row (migration 074)
    return db('appointments as a')
      .leftJoin('missions as m', 'm.id', 'a.mission_id')
      .select<AppointmentRow[]>(
        'a.*',
        'm.reference as mission_reference',
        db.raw('coalesce(m.organisation_id, a.organisation_id) as mission_organisation_id'),
        db.raw("(select u.first_name || ' ' || u.last_name from users u where u.id = a.adviser_id) as adviser_name"),
        db.raw('(select u.email from users u where u.id = a.adviser_id) as adviser_email'),
      );
  }

  /** Serialises the bookings of one adviser (the household's booking takes the same lock): held until the transaction ends. */
  async lockAdviser(trx: Db, adviserId: string): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('appointments:' || ?::text))", [adviserId]);
  }

  async insert(
    trx: Db,
    a: {
      missionId: string;
      adviserId: string;
      startsAt: Date;
      durationMinutes: number;
      mode: string;
      place: string;
      contactName: string;
      contactEmail: string | null;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('appointments')
      .insert({
        mission_id: a.missionId,
        adviser_id: a.adviserId,
        starts_at: a.startsAt,
        duration_minutes: a.durationMinutes,
        mode: a.mode,
        place: a.place,
        contact_name: a.contactName,
        contact_email: a.contactEmail,
        status: 'scheduled',
        created_at: now,
      })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async forMission(db: Db, missionId: string): Promise<Appointment[]> {
    return (await this.select(db).where('a.mission_id', missionId).orderBy('a.starts_at', 'desc')).map(toAppointment);
  }

  async findById(db: Db, id: string, forUpdate = false): Promise<Appointment | null> {
    const q = this.select(db).where('a.id', id);
    if (forUpdate) q.forUpdate('a');
    const row = await q.first<AppointmentRow | undefined>();
    return row ? toAppointment(row) : null;
  }

  /**
   * An adviser's appointments meeting a time span: the live ones (the overlap check), or all but
   * the cancelled ones (the week view shows what was held and missed).
   */
  async ofAdviser(db: Db, adviserId: string, from: Date, to: Date, withPast = false): Promise<Appointment[]> {
    return (
      await this.select(db)
        .where('a.adviser_id', adviserId)
        .whereIn('a.status', withPast ? ['scheduled', 'confirmed', 'done', 'no_show'] : ['scheduled', 'confirmed'])
        .where('a.starts_at', '<', to)
        .whereRaw("a.starts_at + a.duration_minutes * interval '1 minute' > ?", [from])
        .orderBy('a.starts_at')
    ).map(toAppointment);
  }

  async setStatus(trx: Db, id: string, version: number, from: AppointmentStatus[], patch: Record<string, unknown>): Promise<boolean> {
    const n = await trx('appointments')
      .where({ id, version })
      .whereIn('status', from)
      .update({ ...patch, version: version + 1 })
      .returning('id');
    return n.length === 1;
  }

  /**
   * Appointments a reminder is due for at `now`: live, with an e-mail, inside the reminder's window
   * (from `minutesBefore` to `untilMinutes` before the start), scheduled before that window opened,
   * and not reminded of this kind yet.
   */
  async dueReminders(db: Db, kind: string, minutesBefore: number, untilMinutes: number, now: Date): Promise<Appointment[]> {
    return (
      (
        await this.select(db)
          .whereIn('a.status', ['scheduled', 'confirmed'])
          .whereNotNull('a.contact_email')
          .where((q) => q.whereIn('m.status', ['proposed', 'accepted', 'in_progress']).orWhereNull('a.mission_id'))
          // bounds on starts_at itself, so that the partial index of upcoming appointments serves
          .where('a.starts_at', '>', new Date(now.getTime() + untilMinutes * 60_000))
          .where('a.starts_at', '<=', new Date(now.getTime() + minutesBefore * 60_000))
          .whereRaw("a.created_at <= a.starts_at - ? * interval '1 minute'", [minutesBefore])
          .whereNotExists((q) => q.from('appointment_reminders as r').whereRaw('r.appointment_id = a.id').where('r.kind', kind))
          .orderBy('a.starts_at')
      ).map(toAppointment)
    );
  }

  /** Claims a reminder: true for the one process that writes its row (the reminder goes out once). */
  async claimReminder(trx: Db, appointmentId: string, kind: string, now: Date): Promise<boolean> {
    const rows = await trx('appointment_reminders')
      .insert({ appointment_id: appointmentId, kind, sent_at: now })
      .onConflict(['appointment_id', 'kind'])
      .ignore()
      .returning('kind');
    return rows.length === 1;
  }

  async attachReminderMail(trx: Db, appointmentId: string, kind: string, mailId: string): Promise<void> {
    await trx('appointment_reminders').where({ appointment_id: appointmentId, kind }).update({ mail_id: mailId });
  }

  async reminders(db: Db, appointmentIds: string[]): Promise<Array<{ appointmentId: string; kind: string; sentAt: Date; status: string | null }>> {
    if (appointmentIds.length === 0) return [];
    const rows = await db('appointment_reminders as r')
      .leftJoin('mail_outbox as o', 'o.id', 'r.mail_id')
      .whereIn('r.appointment_id', appointmentIds)
      .select<Array<{ appointment_id: string; kind: string; sent_at: Date; status: string | null }>>('r.appointment_id', 'r.kind', 'r.sent_at', 'o.status');
    return rows.map((r) => ({ appointmentId: r.appointment_id, kind: r.kind, sentAt: r.sent_at, status: r.status ?? null }));
  }
}
