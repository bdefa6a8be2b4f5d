import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import { type Actor, scopeFor } from '../../permissions/index';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { addDays, addMonths, parisDate, parisDateTime } from '../../shared/dates';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../../shared/errors';
import { formatLongDateTime } from '../../shared/format';
import type { Appointment, AppointmentRepository, AppointmentStatus } from './repository';
import { type AppointmentDetails, appointmentMail, cancellationMail, householdCancelledMail, type ReminderKind, reminderMail } from './mails';
import { appointmentIcs } from './ics';
import type { MissionService } from '../service';
import { APPOINTMENT_MODES, type AppointmentMode } from '../state-machine';

/** An appointment is set at most this many months ahead. */
export const APPOINTMENT_HORIZON_MONTHS = 6;
/** The household confirms or cancels through its link until this long before the appointment. */
export const CHANGE_DEADLINE_HOURS = 24;
/** The reminders: how long before the start each is due. The day-before one gives way to the half-hour one. */
export const REMINDERS: ReadonlyArray<{ kind: ReminderKind; minutesBefore: number }> = [
  { kind: 'day_before', minutesBefore: 24 * 60 },
  { kind: 'half_hour', minutesBefore: 30 },
];

export interface ScheduleInput {
  date: string;
  time: string;
  durationMinutes: number;
  mode: AppointmentMode;
  place: string;
  contactName: string;
  contactEmail?: string | undefined;
  /** the adviser saw the overlap warning and keeps the time */
  acceptOverlap?: boolean | undefined;
}

/** What the household sees through its link: no personal data beyond the appointment itself. */
export interface PublicAppointment extends Pick<AppointmentDetails, 'startsAt' | 'durationMinutes' | 'mode' | 'place' | 'adviserName' | 'associationName'> {
  status: AppointmentStatus;
  /** confirm and cancel are still open (more than 24 hours before) */
  changeable: boolean;
  deadline: Date;
}

const HOUSEHOLD: SystemActor = { userId: null, name: 'Le ménage (lien du courriel)' };
const REMINDER_JOB: SystemActor = { userId: null, name: 'Tâche appointment-reminders' };

/**
 * Appointments of an adviser with a household: scheduled with a mail (and its .ics), confirmed or
 * cancelled by the household through a signed link (the appointment's id and its HMAC: the same
 * link in every mail, nothing secret stored, useless once the appointment's day is over or it is
 * cancelled), reminded the day before and 30 minutes before — each reminder once, never after the start.
 */
export class AppointmentService {
  private readonly linkKey: Buffer;

  private readonly db: Knex;
  private readonly appointments: AppointmentRepository;
  private readonly missions: MissionService;
  private readonly mailer: Mailer;
  private readonly blobs: BlobStore;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly baseUrl: string;

  /** `linkSecret` signs the appointment links (LINK_SIGNING_SECRET): a new secret voids the links already mailed. */
  constructor(deps: {
    db: Knex;
    appointments: AppointmentRepository;
    missions: MissionService;
    mailer: Mailer;
    blobs: BlobStore;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    baseUrl: string;
    linkSecret: string;
  }) {
    this.db = deps.db;
    this.appointments = deps.appointments;
    this.missions = deps.missions;
    this.mailer = deps.mailer;
    this.blobs = deps.blobs;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
    this.linkKey = createHmac('sha256', deps.linkSecret).update('entraide:appointment-links').digest();
  }

  /** A mission's appointments with the state of their reminders. */
  async forMission(actor: Actor, missionId: string): Promise<Array<Appointment & { reminders: Array<{ kind: string; sentAt: Date; status: string | null }> }>> {
    const mission = await this.missions.get(actor, missionId);
    const list = await this.appointments.forMission(this.db, mission.id);
    const reminders = await this.appointments.reminders(
      this.db,
      list.map((a) => a.id),
    );
    return list.map((a) => ({ ...a, reminders: reminders.filter((r) => r.appointmentId === a.id) }));
  }

  /**
   * Schedules an appointment for the mission's adviser. When it overlaps another of their
   * appointments it is refused with a warning, unless the adviser confirms the time.
   */
  async schedule(actor: Actor, missionId: string, input: ScheduleInput): Promise<string> {
    scopeFor(actor, 'missions:work');
    const now = this.clock.now();
    const startsAt = parisDateTime(input.date, input.time);
    if (!startsAt) throw new ValidationError({ time: 'Indiquez une date et une heure valides' });
    if (startsAt.getTime() <= now.getTime()) throw new ValidationError({ date: 'Le rendez-vous doit être dans le futur' });
    if (input.date > addMonths(parisDate(now), APPOINTMENT_HORIZON_MONTHS))
      throw new ValidationError({ date: 'Un rendez-vous se fixe au plus six mois à l’avance' });
    const mails: string[] = [];
    const id = await this.db
      .transaction(async (trx) => {
        const mission = await this.missions.get(actor, missionId, trx, true);
        if (!['proposed', 'accepted', 'in_progress'].includes(mission.status)) throw new ConflictError('Cette mission est close : plus de rendez-vous.');
        const adviserId = mission.adviserId ?? (actor.role === 'social_adviser' ? actor.userId : null);
        if (!adviserId) throw new ConflictError('Attribuez d’abord la mission à un conseiller ou une conseillère.');
        const end = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
        // the same lock as a household's booking (availability/booking.ts): the overlap check and the insert see every booking before them
        await this.appointments.lockAdviser(trx, adviserId);
        const overlaps = await this.appointments.ofAdviser(trx, adviserId, startsAt, end);
        // one live appointment per adviser and start (migration 074): the same start is never kept
        if (overlaps.some((o) => o.startsAt.getTime() === startsAt.getTime()))
          throw new ValidationError({ appointmentTime: 'Un autre rendez-vous commence déjà à cette heure : choisissez une autre heure.' });
        if (overlaps.length && !input.acceptOverlap) {
          const list = overlaps.map((o) => `${formatClock(o.startsAt)} (${o.missionReference || o.contactName})`).join(', ');
          throw new ValidationError({
            acceptOverlap: `Ce créneau chevauche ${overlaps.length > 1 ? 'les rendez-vous' : 'le rendez-vous'} de ${list}. Cochez la case pour le garder quand même.`,
          });
        }
        const created = await this.appointments.insert(
          trx,
          {
            missionId: mission.id,
            adviserId,
            startsAt,
            durationMinutes: input.durationMinutes,
            mode: input.mode,
            place: input.place,
            contactName: input.contactName,
            contactEmail: input.contactEmail || null,
          },
          now,
        );
        const appointment = await this.appointments.findById(trx, created);
        if (appointment?.contactEmail)
          mails.push(
            await this.mailer.queue(
              trx,
              appointmentMail(await this.details(trx, appointment), this.link(created), await this.icsAttachment(trx, appointment, false)),
            ),
          );
        await this.audit.record(trx, actor, {
          entityType: 'mission',
          entityId: mission.id,
          organisationId: mission.organisationId,
          action: 'appointment.scheduled',
          after: {
            appointmentId: created,
            startsAt: startsAt.toISOString(),
            durationMinutes: input.durationMinutes,
            mode: input.mode,
            overlaps: overlaps.length,
            mailed: mails.length > 0,
          },
        });
        return created;
      })
      .catch((err: unknown) => {
        // a booking of the same start committed meanwhile (the unique index of migration 074): said on the field, never a 500
        if (
          (err as { code?: string }).code === '23505' &&
          /appointments_one_per_slot/.test(String((err as { constraint?: string }).constraint ?? (err as Error).message))
        )
          throw new ValidationError({ appointmentTime: 'Un autre rendez-vous vient d’être pris à cette heure : choisissez une autre heure.' });
        throw err;
      });
    await this.mailer.deliver(mails);
    return id;
  }

  /** The adviser cancels (the household is told, with a cancelling .ics), or records that the appointment was held or missed. */
  async setOutcome(actor: Actor, missionId: string, appointmentId: string, version: number, outcome: 'cancelled' | 'done' | 'no_show'): Promise<void> {
    scopeFor(actor, 'missions:work');
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const mission = await this.missions.get(actor, missionId, trx, true);
      const a = isUuid(appointmentId) ? await this.appointments.findById(trx, appointmentId, true) : null;
      if (!a || a.missionId !== mission.id) throw new NotFoundError();
      if (a.version !== version) throw new ConflictError();
      const started = a.startsAt.getTime() <= this.clock.now().getTime();
      if (outcome === 'cancelled' && started)
        throw new InvalidTransitionError('Ce rendez-vous a commencé : indiquez s’il a eu lieu ou si le ménage n’est pas venu.');
      if (outcome !== 'cancelled' && !started) throw new InvalidTransitionError('Un rendez-vous se dit honoré ou manqué une fois son heure passée.');
      const patch = outcome === 'cancelled' ? { status: 'cancelled', cancelled_at: this.clock.now(), cancelled_by_label: actor.name } : { status: outcome };
      if (!(await this.appointments.setStatus(trx, a.id, version, ['scheduled', 'confirmed'], patch)))
        throw new InvalidTransitionError('Ce rendez-vous n’est plus à venir.');
      if (outcome === 'cancelled' && a.contactEmail)
        mails.push(await this.mailer.queue(trx, cancellationMail(await this.details(trx, a), await this.icsAttachment(trx, a, true))));
      await this.audit.record(trx, actor, {
        entityType: 'mission',
        entityId: mission.id,
        organisationId: mission.organisationId,
        action: `appointment.${outcome}`,
        before: { appointmentId: a.id, status: a.status },
        after: { appointmentId: a.id, status: outcome },
      });
    });
    await this.mailer.deliver(mails);
  }

  /**
   * A closed mission's upcoming appointments are called off, in the closing transaction: the
   * household gets the cancellation (with its .ics) once the closing is committed.
   */
  async cancelForClosedMission(trx: Db, actor: Actor, mission: { id: string; organisationId: string }): Promise<() => Promise<void>> {
    const mails: string[] = [];
    const now = this.clock.now();
    for (const a of await this.appointments.forMission(trx, mission.id)) {
      if (!['scheduled', 'confirmed'].includes(a.status) || a.startsAt.getTime() <= now.getTime()) continue;
      if (
        !(await this.appointments.setStatus(trx, a.id, a.version, ['scheduled', 'confirmed'], {
          status: 'cancelled',
          cancelled_at: now,
          cancelled_by_label: 'Clôture de la mission',
        }))
      )
        continue;
      if (a.contactEmail) mails.push(await this.mailer.queue(trx, cancellationMail(await this.details(trx, a), await this.icsAttachment(trx, a, true))));
      await this.audit.record(trx, actor, {
        entityType: 'mission',
        entityId: mission.id,
        organisationId: mission.organisationId,
        action: 'appointment.cancelled',
        before: { appointmentId: a.id, status: a.status },
        after: { appointmentId: a.id, status: 'cancelled', reason: 'mission close' },
      });
    }
    return () => this.mailer.deliver(mails);
  }

  /** An adviser's appointments over the week starting on a Monday (the calendar), each saying whether it overlaps another live one. */
  async week(actor: Actor, adviserId: string, monday: string): Promise<Array<Appointment & { overlaps: boolean }>> {
    scopeFor(actor, 'missions:work');
    if (actor.role === 'social_adviser' && adviserId !== actor.userId) throw new NotFoundError();
    const from = parisDateTime(monday, '00:00');
    const to = parisDateTime(addDays(monday, 7), '00:00');
    if (!from || !to) throw new NotFoundError();
    return withOverlaps(await this.appointments.ofAdviser(this.db, adviserId, from, to, true));
  }

  /** The adviser's own appointments of the coming days (their home page). */
  async upcoming(actor: Actor, days: number): Promise<Appointment[]> {
    scopeFor(actor, 'missions:work');
    const now = this.clock.now();
    return this.appointments.ofAdviser(this.db, actor.userId, now, new Date(now.getTime() + days * 86_400_000));
  }

  // --- the household's link ---

  async byToken(token: string): Promise<PublicAppointment | null> {
    const a = await this.findByToken(this.db, token);
    if (!a) return null;
    return { ...(await this.publicView(this.db, a)) };
  }

  /** The household confirms: allowed while the appointment is live and more than 24 hours away. */
  async confirm(token: string): Promise<PublicAppointment> {
    return this.householdChange(token, 'confirmed');
  }

  /** The household cancels; the adviser is told. A cancelled appointment's link changes nothing any more. */
  async cancel(token: string): Promise<PublicAppointment> {
    return this.householdChange(token, 'cancelled');
  }

  // --- reminders ---

  /**
   * Sends the reminders due at `now`: each (appointment, kind) is claimed by inserting its row in
   * the transaction that queues the mail, so two runs at once send it once; a cancelled or
   * started appointment gets none; one scheduled inside a reminder's window gets no such reminder.
   */
  async sendReminders(now: Date): Promise<{ dayBefore: number; halfHour: number }> {
    const sent: Record<ReminderKind, number> = { day_before: 0, half_hour: 0 };
    const mails: string[] = [];
    const associationName = (await this.settings.get()).letterhead.name;
    for (const { kind, minutesBefore } of REMINDERS) {
      const until = REMINDERS.find((r) => r.minutesBefore < minutesBefore)?.minutesBefore ?? 0;
      for (const due of await this.appointments.dueReminders(this.db, kind, minutesBefore, until, now)) {
        const mailId = await this.db.transaction(async (trx) => {
          const a = await this.appointments.findById(trx, due.id, true);
          if (!a?.contactEmail || !['scheduled', 'confirmed'].includes(a.status) || a.startsAt.getTime() <= now.getTime()) return null;
          if (!(await this.appointments.claimReminder(trx, a.id, kind, now))) return null;
          const details = await this.details(trx, a, associationName);
          const id = await this.mailer.queue(
            trx,
            reminderMail(details, kind, this.link(a.id), a.startsAt.getTime() - now.getTime() > CHANGE_DEADLINE_HOURS * 3600_000),
          );
          await this.appointments.attachReminderMail(trx, a.id, kind, id);
          await this.audit.record(trx, REMINDER_JOB, {
            // an appointment booked from the QR code has no mission: the line is filed under the appointment
            entityType: a.missionId ? 'mission' : 'appointment',
            entityId: a.missionId ?? a.id,
            organisationId: details.organisationId,
            action: 'appointment.reminded',
            after: { appointmentId: a.id, kind },
          });
          return id;
        });
        if (mailId) {
          mails.push(mailId);
          sent[kind] += 1;
        }
      }
    }
    await this.mailer.deliver(mails);
    return { dayBefore: sent.day_before, halfHour: sent.half_hour };
  }

  private async householdChange(token: string, to: 'confirmed' | 'cancelled'): Promise<PublicAppointment> {
    const mails: string[] = [];
    const view = await this.db.transaction(async (trx) => {
      const a = await this.findByToken(trx, token, true);
      if (!a) throw new NotFoundError('Ce lien n’est pas valide.');
      const view = await this.publicView(trx, a);
      if (a.status === to) return view;
      if (a.status === 'cancelled') throw new InvalidTransitionError('Ce rendez-vous a été annulé : le lien ne permet plus de le modifier.');
      if (!view.changeable) throw new InvalidTransitionError('Il est trop tard pour le modifier par ce lien : appelez votre conseiller ou conseillère.');
      const now = this.clock.now();
      const patch = to === 'confirmed' ? { status: to, confirmed_at: now } : { status: to, cancelled_at: now, cancelled_by_label: HOUSEHOLD.name };
      if (!(await this.appointments.setStatus(trx, a.id, a.version, ['scheduled', 'confirmed'], patch))) throw new ConflictError();
      const details = await this.details(trx, a);
      if (to === 'cancelled') {
        mails.push(
          await this.mailer.queue(
            trx,
            householdCancelledMail(
              a.adviserEmail,
              details,
              a.missionId ? `${this.baseUrl}/accompagnement/${a.missionId}` : `${this.baseUrl}/accompagnement/calendrier`,
            ),
          ),
        );
      }
      await this.audit.record(trx, HOUSEHOLD, {
        entityType: a.missionId ? 'mission' : 'appointment',
        entityId: a.missionId ?? a.id,
        organisationId: details.organisationId,
        action: `appointment.${to}_by_household`,
        before: { appointmentId: a.id, status: a.status },
        after: { appointmentId: a.id, status: to },
      });
      return { ...view, status: to, changeable: to === 'confirmed' };
    });
    await this.mailer.deliver(mails);
    return view;
  }

  /** The appointment behind a link, while it is of use: until the end of the appointment's day. */
  private async findByToken(db: Db, token: string, forUpdate = false): Promise<Appointment | null> {
    const [id, signature] = token.split('.');
    if (!id || !signature || !isUuid(id) || !/^[\w-]{43}$/.test(signature)) return null;
    if (!timingSafeEqual(Buffer.from(signature), Buffer.from(this.sign(id)))) return null;
    const a = await this.appointments.findById(db, id, forUpdate);
    if (!a) return null;
    const expires = parisDateTime(addDays(parisDate(a.startsAt), 1), '00:00');
    return expires && this.clock.now().getTime() < expires.getTime() ? a : null;
  }

  private async publicView(db: Db, a: Appointment): Promise<PublicAppointment> {
    const deadline = new Date(a.startsAt.getTime() - CHANGE_DEADLINE_HOURS * 3600_000);
    return {
      startsAt: a.startsAt,
      durationMinutes: a.durationMinutes,
      mode: APPOINTMENT_MODES[a.mode as AppointmentMode] ?? a.mode,
      place: a.place,
      adviserName: a.adviserName,
      associationName: (await this.settings.get(db)).letterhead.name,
      status: a.status,
      deadline,
      changeable: ['scheduled', 'confirmed'].includes(a.status) && this.clock.now().getTime() < deadline.getTime(),
    };
  }

  private sign(appointmentId: string): string {
    return createHmac('sha256', this.linkKey).update(appointmentId).digest('base64url');
  }

  /** The household's link to an appointment: its id and signature. */
  link(appointmentId: string): string {
    return `${this.baseUrl}/rdv/${appointmentId}.${this.sign(appointmentId)}`;
  }

  /** What the mails say of an appointment; `associationName` when the caller already read it (a run of reminders). */
  private async details(db: Db, a: Appointment, associationName?: string): Promise<AppointmentDetails> {
    return {
      to: a.contactEmail ?? '',
      contactName: a.contactName,
      startsAt: a.startsAt,
      durationMinutes: a.durationMinutes,
      mode: APPOINTMENT_MODES[a.mode as AppointmentMode] ?? a.mode,
      place: a.place,
      adviserName: a.adviserName,
      associationName: associationName ?? (await this.settings.get(db)).letterhead.name,
      missionReference: a.missionReference,
      organisationId: a.organisationId,
    };
  }

  private async icsAttachment(db: Db, a: Appointment, cancelled: boolean) {
    const details = await this.details(db, a);
    const ics = appointmentIcs({
      uid: `${a.id}@entraide`,
      startsAt: a.startsAt,
      durationMinutes: a.durationMinutes,
      summary: `Rendez-vous ${details.associationName}`,
      location: a.place,
      description: `${details.mode} avec ${a.adviserName}`,
      organizer: details.associationName,
      now: this.clock.now(),
      cancelled,
      sequence: a.version,
    });
    const blob = await this.blobs.put(db, Buffer.from(ics, 'utf8'), 'text/calendar');
    return { filename: 'rendez-vous.ics', contentType: 'text/calendar; charset=utf-8', blobId: blob.id };
  }
}

function formatClock(d: Date): string {
  return formatLongDateTime(d);
}

const LIVE: readonly string[] = ['scheduled', 'confirmed'];

/** Two live appointments overlap when each starts before the other ends (a cancelled or past-held one never does). */
export function withOverlaps<T extends { id: string; status: string; startsAt: Date; durationMinutes: number }>(list: T[]): Array<T & { overlaps: boolean }> {
  const end = (x: T) => x.startsAt.getTime() + x.durationMinutes * 60_000;
  return list.map((x) => ({
    ...x,
    overlaps:
      LIVE.includes(x.status) && list.some((o) => o.id !== x.id && LIVE.includes(o.status) && o.startsAt.getTime() < end(x) && x.startsAt.getTime() < end(o)),
  }));
}
