import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { addDays, parisDate, parisDateTime } from '../../shared/dates';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../../shared/errors';
import { appointmentIcs } from '../appointments/ics';
import { APPOINTMENT_MODES } from '../state-machine';
import { adviserAlertMail, type BookingDetails, bookedMail, cancelledByHouseholdMail, movedMail } from './mails';
import type { Adviser, AppointmentKind, AvailabilityRepository, HouseholdAppointment } from './repository';
import { availableSlots, BOOKING_HORIZON_MONTHS, MIN_NOTICE_HOURS, type Slot } from './slots';

/** The household changes or cancels online until this long before the appointment. */
export const BOOKING_CHANGE_HOURS = 24;
/** How far ahead the choice page looks for the next days with a free slot. */
const LOOKAHEAD_DAYS = 62;

/** A free slot with its adviser: the value of the choice is `adviserId/ISO start`. */
export interface OfferedSlot extends Slot {
  adviserId: string;
  adviserName: string;
  value: string;
}

export interface SlotChoice {
  kindId: string;
  /** `adviserId/2026-12-03T13:30:00.000Z`, as the choice page posts it */
  slot: string;
}

/** Someone booking from the QR code: no session, a name and an e-mail. */
export interface PublicContact {
  name: string;
  email: string;
  phone?: string | undefined;
}

/** A slot taken by someone else between the page and the click. */
export class SlotTakenError extends ConflictError {
  constructor() {
    super('Ce créneau vient d’être réservé par quelqu’un d’autre. Choisissez un autre créneau ci-dessous.');
  }
}

const PUBLIC_ACTOR: SystemActor = { userId: null, name: 'Réservation en ligne (QR code)' };
const LIVE = ['scheduled', 'confirmed'];

/**
 * A household in its space (the household space's session, as this area needs it): the person,
 * their household and its landlord, and the author its audit lines carry.
 */
export interface HouseholdActor {
  readonly personId: string;
  readonly householdId: string;
  readonly organisationId: string;
  readonly label: string;
  readonly author: SystemActor;
}

/** Who books: a household from its space, or anyone from the association's QR code. */
type Booker = { household: HouseholdActor } | { contact: PublicContact };

/**
 * Households book the advisers' free slots themselves: the slots come from the published
 * openings minus the exceptions and the live appointments; a booking takes the adviser's lock,
 * checks the slot is still free, and is written with its mails (.ics to the household, an alert
 * to the adviser) and its audit line. Changing or cancelling is open until 24 hours before.
 */
export class BookingService {
  private readonly db: Knex;
  private readonly repo: AvailabilityRepository;
  private readonly mailer: Mailer;
  private readonly blobs: BlobStore;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly baseUrl: string;
  private readonly signedLink: (appointmentId: string) => string;

  constructor(deps: {
    db: Knex;
    repo: AvailabilityRepository;
    mailer: Mailer;
    blobs: BlobStore;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    baseUrl: string;
    /** the appointment's signed link (/rdv/…), for someone with no household space */
    signedLink: (appointmentId: string) => string;
  }) {
    this.db = deps.db;
    this.repo = deps.repo;
    this.mailer = deps.mailer;
    this.blobs = deps.blobs;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
    this.signedLink = deps.signedLink;
  }

  kinds(): Promise<AppointmentKind[]> {
    return this.repo.kinds(this.db);
  }

  /** The advisers a household books with: those of its live missions, or everyone who publishes openings. */
  async advisersFor(household: HouseholdActor | null, db: Db = this.db): Promise<Adviser[]> {
    const missions = household ? await this.repo.liveMissions(db, household.householdId) : [];
    const ids = missions.length ? missions.map((m) => m.adviserId) : await this.repo.advisersWithOpenings(db);
    return ids.length ? this.repo.advisers(db, [...new Set(ids)]) : [];
  }

  /**
   * The free slots for a kind: of one day (`date`) when given, with the next days that have some
   * (to offer when the day is full); of one adviser when given (else every eligible one).
   */
  async choices(
    household: HouseholdActor | null,
    q: { kindId?: string | undefined; date?: string | undefined; adviserId?: string | undefined; exceptAppointmentId?: string },
  ): Promise<{ kinds: AppointmentKind[]; kind: AppointmentKind | null; advisers: Adviser[]; date: string | null; slots: OfferedSlot[]; nextDates: string[] }> {
    const kinds = await this.repo.kinds(this.db);
    const advisers = await this.advisersFor(household);
    const kind = kinds.find((k) => k.id === q.kindId) ?? null;
    if (!kind) return { kinds, kind: null, advisers, date: q.date ?? null, slots: [], nextDates: [] };
    const chosen = q.adviserId && advisers.some((a) => a.id === q.adviserId) ? advisers.filter((a) => a.id === q.adviserId) : advisers;
    const today = parisDate(this.clock.now());
    // a real calendar day only (« 2026-13-45 » has the shape but is no day)
    const from = q.date && /^\d{4}-\d{2}-\d{2}$/.test(q.date) && parisDateTime(q.date, '00:00') !== null && q.date >= today ? q.date : today;
    const all = await this.freeSlots(this.db, chosen, kind, from, addDays(from, LOOKAHEAD_DAYS), q.exceptAppointmentId);
    const date = q.date && q.date === from ? from : (all[0]?.date ?? from);
    const nextDates = [...new Set(all.map((s) => s.date))].filter((d) => d !== date).slice(0, 6);
    return { kinds, kind, advisers, date, slots: all.filter((s) => s.date === date), nextDates };
  }

  /** Books a slot; throws SlotTakenError when it is no longer free. */
  async book(who: Booker, choice: SlotChoice): Promise<string> {
    const now = this.clock.now();
    const mails: string[] = [];
    const id = await this.withSlot(choice, async (trx, kind, adviser, slot) => {
      const household = 'household' in who ? who.household : null;
      const missions = household ? await this.repo.liveMissions(trx, household.householdId) : [];
      const person = household ? await this.repo.person(trx, household.personId) : null;
      const contact = household
        ? { name: person?.name || household.label, email: person?.email ?? null, phone: person?.phone ?? null }
        : {
            name: (who as { contact: PublicContact }).contact.name,
            email: (who as { contact: PublicContact }).contact.email,
            phone: (who as { contact: PublicContact }).contact.phone || null,
          };
      const mission = missions.find((m) => m.adviserId === adviser.id) ?? null;
      // a household followed by a mission books with its own adviser(s) only
      if (missions.length && !mission) throw new ValidationError({ slot: 'Choisissez un créneau parmi ceux proposés ci-dessous' });
      if (!mission && !contact.email)
        throw new ValidationError({ _form: 'Il nous faut votre adresse e-mail pour réserver : demandez à votre conseiller ou conseillère de l’ajouter.' });
      const appointmentId = await this.repo.insertBooking(
        trx,
        {
          missionId: mission?.id ?? null,
          householdId: household?.householdId ?? null,
          organisationId: household?.organisationId ?? adviser.organisationId,
          adviserId: adviser.id,
          kindId: kind.id,
          reason: kind.label,
          startsAt: slot.startsAt,
          durationMinutes: kind.durationMinutes,
          mode: slot.mode,
          place: slot.place,
          contactName: contact.name,
          contactEmail: contact.email,
          contactPhone: contact.phone,
          bookedBy: household ? 'household' : 'public',
        },
        now,
      );
      const details = await this.details(trx, {
        ...contact,
        reason: kind.label,
        slot,
        durationMinutes: kind.durationMinutes,
        adviser,
        bookedBy: household ? 'household' : 'public',
      });
      if (contact.email)
        mails.push(
          await this.mailer.queue(
            trx,
            bookedMail(contact.email, details, this.manageLink(appointmentId, household), await this.ics(trx, appointmentId, details, 1, false)),
          ),
        );
      mails.push(await this.mailer.queue(trx, adviserAlertMail(adviser.email, 'booked', details, `${this.baseUrl}/accompagnement/calendrier`)));
      await this.audit.record(trx, household ? household.author : PUBLIC_ACTOR, {
        entityType: 'appointment',
        entityId: appointmentId,
        organisationId: household?.organisationId ?? adviser.organisationId,
        action: 'appointment.booked',
        after: {
          adviserId: adviser.id,
          missionId: mission?.id ?? null,
          kind: kind.label,
          startsAt: slot.startsAt.toISOString(),
          bookedBy: household ? 'household' : 'public',
        },
      });
      return appointmentId;
    });
    await this.mailer.deliver(mails);
    return id;
  }

  /** The household's appointments, newest first, each saying whether it can still be changed online. */
  async list(household: HouseholdActor): Promise<Array<HouseholdAppointment & { changeable: boolean; deadline: Date }>> {
    return (await this.repo.ofHousehold(this.db, household.householdId)).map((a) => this.withDeadline(a));
  }

  /** One of the household's appointments; another household's (or a made-up id) is not found. */
  async get(household: HouseholdActor, appointmentId: string): Promise<HouseholdAppointment & { changeable: boolean; deadline: Date }> {
    if (!isUuid(appointmentId)) throw new NotFoundError();
    const [a] = await this.repo.ofHousehold(this.db, household.householdId, { id: appointmentId });
    if (!a) throw new NotFoundError();
    return this.withDeadline(a);
  }

  /** Moves the household's appointment to another free slot (same rules as a booking), until 24 hours before. */
  async move(household: HouseholdActor, appointmentId: string, choice: SlotChoice): Promise<void> {
    const mails: string[] = [];
    if (!isUuid(appointmentId)) throw new NotFoundError();
    await this.withSlot(
      choice,
      async (trx, kind, adviser, slot) => {
        const a = await this.changeable(trx, household, appointmentId);
        if (!(await this.advisersFor(household, trx)).some((x) => x.id === adviser.id))
          throw new ValidationError({ slot: 'Choisissez un créneau parmi ceux proposés ci-dessous' });
        if (!(await this.repo.move(trx, a.id, a.version, { adviserId: adviser.id, startsAt: slot.startsAt, mode: slot.mode, place: slot.place })))
          throw new ConflictError();
        const person = await this.repo.person(trx, household.personId);
        const details = await this.details(trx, {
          name: person?.name || household.label,
          email: person?.email ?? null,
          phone: person?.phone ?? null,
          reason: a.reason ?? kind.label,
          slot,
          durationMinutes: kind.durationMinutes,
          adviser,
          bookedBy: 'household',
        });
        if (person?.email)
          mails.push(
            await this.mailer.queue(
              trx,
              movedMail(person.email, details, this.manageLink(a.id, household), await this.ics(trx, a.id, details, a.version + 1, false)),
            ),
          );
        const [previous] = await this.repo.advisers(trx, [a.adviserId]);
        for (const to of new Set([adviser.email, previous?.email].filter((x): x is string => Boolean(x))))
          mails.push(await this.mailer.queue(trx, adviserAlertMail(to, 'moved', details, `${this.baseUrl}/accompagnement/calendrier`, a.startsAt)));
        await this.audit.record(trx, household.author, {
          entityType: 'appointment',
          entityId: a.id,
          organisationId: household.organisationId,
          action: 'appointment.moved_by_household',
          before: { startsAt: a.startsAt.toISOString(), adviserId: a.adviserId },
          after: { startsAt: slot.startsAt.toISOString(), adviserId: adviser.id },
        });
      },
      appointmentId,
    );
    await this.mailer.deliver(mails);
  }

  /** Cancels the household's appointment, until 24 hours before; the adviser is told. */
  async cancel(household: HouseholdActor, appointmentId: string): Promise<void> {
    if (!isUuid(appointmentId)) throw new NotFoundError();
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const a = await this.changeable(trx, household, appointmentId);
      if (!(await this.repo.cancel(trx, a.id, a.version, household.author.name, this.clock.now()))) throw new ConflictError();
      const person = await this.repo.person(trx, household.personId);
      const [adviser] = await this.repo.advisers(trx, [a.adviserId]);
      const details = await this.details(trx, {
        name: person?.name || household.label,
        email: person?.email ?? null,
        phone: person?.phone ?? null,
        reason: a.reason ?? 'Rendez-vous',
        slot: { startsAt: a.startsAt, mode: a.mode, place: a.place },
        durationMinutes: a.durationMinutes,
        adviser: adviser ?? { id: a.adviserId, name: a.adviserName, email: '', organisationId: household.organisationId },
        bookedBy: 'household',
      });
      if (person?.email)
        mails.push(await this.mailer.queue(trx, cancelledByHouseholdMail(person.email, details, await this.ics(trx, a.id, details, a.version + 1, true))));
      if (adviser) mails.push(await this.mailer.queue(trx, adviserAlertMail(adviser.email, 'cancelled', details, `${this.baseUrl}/accompagnement/calendrier`)));
      await this.audit.record(trx, household.author, {
        entityType: 'appointment',
        entityId: a.id,
        organisationId: household.organisationId,
        action: 'appointment.cancelled_by_household',
        before: { status: a.status, startsAt: a.startsAt.toISOString() },
        after: { status: 'cancelled' },
      });
    });
    await this.mailer.deliver(mails);
  }

  // --- inside ---

  /**
   * Runs `work` holding the adviser's lock, once the chosen slot is proven free: offered for that
   * kind (openings, exceptions, notice, horizon) and meeting no live appointment (the one being
   * moved aside). Two bookings of one slot: the second waits for the lock, then finds it taken;
   * the unique index on (adviser, start) is the last guard.
   */
  private async withSlot<T>(
    choice: SlotChoice,
    work: (trx: Knex.Transaction, kind: AppointmentKind, adviser: Adviser, slot: Slot) => Promise<T>,
    exceptAppointmentId?: string,
  ): Promise<T> {
    const [adviserId, iso] = choice.slot.split('/');
    const startsAt = iso ? new Date(iso) : null;
    if (!adviserId || !isUuid(adviserId) || !startsAt || Number.isNaN(startsAt.getTime())) throw new ValidationError({ slot: 'Choisissez un créneau' });
    try {
      return await this.db.transaction(async (trx) => {
        const kind = (await this.repo.kinds(trx)).find((k) => k.id === choice.kindId);
        if (!kind) throw new ValidationError({ kindId: 'Choisissez le motif du rendez-vous' });
        const [adviser] = await this.repo.advisers(trx, [adviserId]);
        if (!adviser) throw new ValidationError({ slot: 'Choisissez un créneau' });
        await this.repo.lockAdviser(trx, adviser.id);
        const date = parisDate(startsAt);
        const free = await this.freeSlots(trx, [adviser], kind, date, date, exceptAppointmentId);
        const slot = free.find((s) => s.startsAt.getTime() === startsAt.getTime());
        if (!slot) throw new SlotTakenError();
        return await work(trx, kind, adviser, slot);
      });
    } catch (err) {
      if (
        (err as { code?: string }).code === '23505' &&
        /appointments_one_per_slot/.test(String((err as { constraint?: string }).constraint ?? (err as Error).message))
      )
        throw new SlotTakenError();
      throw err;
    }
  }

  private async freeSlots(
    db: Db,
    advisers: readonly Adviser[],
    kind: AppointmentKind,
    fromDate: string,
    toDate: string,
    exceptId?: string,
  ): Promise<OfferedSlot[]> {
    if (advisers.length === 0) return [];
    const ids = advisers.map((a) => a.id);
    const now = this.clock.now();
    const [openings, exceptions] = await Promise.all([this.repo.openings(db, ids), this.repo.exceptions(db, ids, fromDate)]);
    const from = parisDateTime(fromDate, '00:00') ?? now;
    const to = parisDateTime(addDays(toDate, 1), '00:00') ?? now;
    const busy = await this.repo.busy(db, ids, from, to, exceptId);
    const out: OfferedSlot[] = [];
    for (const adviser of advisers) {
      for (const slot of availableSlots({
        weekly: openings.filter((o) => o.adviserId === adviser.id),
        exceptions: exceptions.filter((e) => e.adviserId === adviser.id),
        busy: busy.filter((b) => b.adviserId === adviser.id),
        durationMinutes: kind.durationMinutes,
        now,
        fromDate,
        toDate,
        noticeHours: MIN_NOTICE_HOURS,
        horizonMonths: BOOKING_HORIZON_MONTHS,
      }))
        out.push({ ...slot, adviserId: adviser.id, adviserName: adviser.name, value: `${adviser.id}/${slot.startsAt.toISOString()}` });
    }
    return out.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.adviserName.localeCompare(b.adviserName, 'fr'));
  }

  /** The household's live appointment, locked, while it can still be changed online. */
  private async changeable(trx: Db, household: HouseholdActor, appointmentId: string): Promise<HouseholdAppointment> {
    const [a] = await this.repo.ofHousehold(trx, household.householdId, { id: appointmentId, forUpdate: true });
    if (!a) throw new NotFoundError();
    if (!LIVE.includes(a.status)) throw new InvalidTransitionError('Ce rendez-vous n’est plus à venir : il ne peut plus être modifié.');
    if (!this.withDeadline(a).changeable)
      throw new InvalidTransitionError(
        'Il reste moins de 24 heures avant ce rendez-vous : il ne peut plus être modifié en ligne. Appelez votre conseiller ou conseillère.',
      );
    return a;
  }

  private withDeadline<T extends { startsAt: Date; status: string }>(a: T): T & { changeable: boolean; deadline: Date } {
    const deadline = new Date(a.startsAt.getTime() - BOOKING_CHANGE_HOURS * 3600_000);
    return { ...a, deadline, changeable: LIVE.includes(a.status) && this.clock.now().getTime() < deadline.getTime() };
  }

  private manageLink(appointmentId: string, household: HouseholdActor | null): string {
    return household ? `${this.baseUrl}/mon-espace/rendez-vous/${appointmentId}` : this.signedLink(appointmentId);
  }

  private async details(
    db: Db,
    b: {
      name: string;
      email: string | null;
      phone: string | null;
      reason: string;
      slot: { startsAt: Date; mode: string; place: string };
      durationMinutes: number;
      adviser: Adviser;
      bookedBy: 'household' | 'public';
    },
  ): Promise<BookingDetails> {
    return {
      contactName: b.name,
      contactEmail: b.email,
      contactPhone: b.phone,
      reason: b.reason,
      startsAt: b.slot.startsAt,
      durationMinutes: b.durationMinutes,
      mode: APPOINTMENT_MODES[b.slot.mode as keyof typeof APPOINTMENT_MODES] ?? b.slot.mode,
      place: b.slot.place,
      adviserName: b.adviser.name,
      associationName: (await this.settings.get(db)).letterhead.name,
      bookedBy: b.bookedBy,
    };
  }

  private async ics(db: Db, appointmentId: string, d: BookingDetails, sequence: number, cancelled: boolean) {
    const text = appointmentIcs({
      uid: `${appointmentId}@entraide`,
      startsAt: d.startsAt,
      durationMinutes: d.durationMinutes,
      summary: `Rendez-vous ${d.associationName}`,
      location: d.place,
      description: `${d.reason} — ${d.mode} avec ${d.adviserName}`,
      organizer: d.associationName,
      now: this.clock.now(),
      cancelled,
      sequence,
    });
    const blob = await this.blobs.put(db, Buffer.from(text, 'utf8'), 'text/calendar');
    return { filename: 'rendez-vous.ics', contentType: 'text/calendar; charset=utf-8', blobId: blob.id };
  }
}
