import type { Knex } from 'knex';
import type { AuditService } from '../../audit/service';
import { isUuid } from '../../db/types';
import { type Actor, scopeFor } from '../../permissions/index';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { parisDate } from '../../shared/dates';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { Adviser, AppointmentKind, AvailabilityRepository, StoredException, StoredOpening } from './repository';
import { routes } from '../../urls';
import { buildBookingPoster } from './poster';
import type { SlotMode } from './slots';

export interface OpeningInput {
  weekday: number;
  from: string;
  to: string;
  mode: SlotMode;
  place: string;
}

export interface ExceptionInput {
  kind: 'closed' | 'open';
  startsOn: string;
  endsOn: string;
  from?: string | undefined;
  to?: string | undefined;
  mode?: SlotMode | undefined;
  place?: string | undefined;
  note?: string | undefined;
}

/**
 * What advisers publish: their weekly openings (day, hours, on site with a place, by phone or
 * video), their days off and extra openings, and the kinds of appointment with their length.
 * An adviser edits their own; an operator or an admin edits any adviser's.
 */
export class AvailabilityService {
  private readonly db: Knex;
  private readonly repo: AvailabilityRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly settings: SettingsService;
  private readonly baseUrl: string;

  constructor(deps: { db: Knex; repo: AvailabilityRepository; audit: AuditService; clock: Clock; settings: SettingsService; baseUrl: string }) {
    this.db = deps.db;
    this.repo = deps.repo;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.settings = deps.settings;
    this.baseUrl = deps.baseUrl;
  }

  /** The public booking page's address, as the QR code carries it. */
  bookingUrl(): string {
    return `${this.baseUrl}${routes.publicBooking}`;
  }

  /** The printable poster with the QR code of the public booking page (operators and admins). */
  async poster(actor: Actor): Promise<Buffer> {
    scopeFor(actor, 'missions:manage');
    const [settings, kinds] = await Promise.all([this.settings.get(), this.repo.kinds(this.db)]);
    return buildBookingPoster({ letterhead: settings.letterhead, url: this.bookingUrl(), kinds: kinds.map((k) => k.label) });
  }

  kinds(activeOnly = true): Promise<AppointmentKind[]> {
    return this.repo.kinds(this.db, activeOnly);
  }

  /** The advisers whose availability the actor may edit: themselves, or every adviser for an operator or an admin. */
  async editableAdvisers(actor: Actor): Promise<Adviser[]> {
    scopeFor(actor, 'missions:work');
    return this.repo.advisers(this.db, actor.role === 'social_adviser' ? [actor.userId] : undefined);
  }

  /** The adviser (themselves by default) with their openings and their exceptions from today on. */
  async of(actor: Actor, adviserId?: string): Promise<{ adviser: Adviser; advisers: Adviser[]; openings: StoredOpening[]; exceptions: StoredException[] }> {
    const adviser = await this.adviserFor(actor, adviserId);
    const advisers = await this.editableAdvisers(actor);
    const [openings, exceptions] = await Promise.all([
      this.repo.openings(this.db, [adviser.id]),
      this.repo.exceptions(this.db, [adviser.id], parisDate(this.clock.now())),
    ]);
    return { adviser, advisers, openings, exceptions };
  }

  async addOpening(actor: Actor, adviserId: string | undefined, input: OpeningInput): Promise<string> {
    const adviser = await this.adviserFor(actor, adviserId);
    if (input.from >= input.to) throw new ValidationError({ to: 'L’heure de fin doit être après l’heure de début' });
    return this.db.transaction(async (trx) => {
      const overlapping = (await this.repo.openings(trx, [adviser.id])).find((o) => o.weekday === input.weekday && o.from < input.to && input.from < o.to);
      if (overlapping) throw new ValidationError({ from: `Ce créneau chevauche celui de ${overlapping.from} à ${overlapping.to} le même jour` });
      const id = await this.repo.insertOpening(trx, { adviserId: adviser.id, ...input }, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'availability',
        entityId: adviser.id,
        organisationId: adviser.organisationId,
        action: 'availability.opening_added',
        after: { openingId: id, ...input },
      });
      return id;
    });
  }

  async removeOpening(actor: Actor, adviserId: string | undefined, openingId: string): Promise<void> {
    const adviser = await this.adviserFor(actor, adviserId);
    if (!isUuid(openingId)) throw new NotFoundError();
    await this.db.transaction(async (trx) => {
      const removed = await this.repo.deleteOpening(trx, adviser.id, openingId);
      if (!removed) throw new NotFoundError();
      await this.audit.record(trx, actor, {
        entityType: 'availability',
        entityId: adviser.id,
        organisationId: adviser.organisationId,
        action: 'availability.opening_removed',
        before: { ...removed },
      });
    });
  }

  async addException(actor: Actor, adviserId: string | undefined, input: ExceptionInput): Promise<string> {
    const adviser = await this.adviserFor(actor, adviserId);
    const errors: Record<string, string> = {};
    if (input.endsOn < input.startsOn) errors.endsOn = 'La date de fin doit être le jour de début ou après';
    if (input.startsOn < parisDate(this.clock.now())) errors.startsOn = 'Choisissez aujourd’hui ou un jour à venir';
    // the keys are the fields of the exception form (it shares its page with the weekly form)
    if (Boolean(input.from) !== Boolean(input.to))
      errors[input.from ? 'exceptionTo' : 'exceptionFrom'] = 'Indiquez l’heure de début et l’heure de fin, ou aucune des deux';
    if (input.from && input.to && input.from >= input.to) errors.exceptionTo = 'L’heure de fin doit être après l’heure de début';
    if (input.kind === 'open') {
      if (!input.from) errors.exceptionFrom = 'Indiquez les heures de l’ouverture';
      if (!input.mode) errors.exceptionMode = 'Choisissez comment se passe le rendez-vous';
      if (!input.place) errors.exceptionPlace = 'Indiquez le lieu, le numéro ou le lien';
      if (input.endsOn !== input.startsOn) errors.endsOn = 'Une ouverture en plus porte sur un seul jour';
    }
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return this.db.transaction(async (trx) => {
      const open = input.kind === 'open';
      const id = await this.repo.insertException(
        trx,
        {
          adviserId: adviser.id,
          kind: input.kind,
          startsOn: input.startsOn,
          endsOn: input.endsOn,
          from: input.from || null,
          to: input.to || null,
          mode: open ? (input.mode ?? null) : null,
          place: open ? (input.place ?? null) : null,
          note: input.note || null,
        },
        this.clock.now(),
      );
      await this.audit.record(trx, actor, {
        entityType: 'availability',
        entityId: adviser.id,
        organisationId: adviser.organisationId,
        action: 'availability.exception_added',
        after: { exceptionId: id, kind: input.kind, startsOn: input.startsOn, endsOn: input.endsOn, from: input.from ?? null, to: input.to ?? null },
      });
      return id;
    });
  }

  async removeException(actor: Actor, adviserId: string | undefined, exceptionId: string): Promise<void> {
    const adviser = await this.adviserFor(actor, adviserId);
    if (!isUuid(exceptionId)) throw new NotFoundError();
    await this.db.transaction(async (trx) => {
      const removed = await this.repo.deleteException(trx, adviser.id, exceptionId);
      if (!removed) throw new NotFoundError();
      await this.audit.record(trx, actor, {
        entityType: 'availability',
        entityId: adviser.id,
        organisationId: adviser.organisationId,
        action: 'availability.exception_removed',
        before: { ...removed },
      });
    });
  }

  /** Adds a kind of appointment, or renames, resizes, retires one (operators and admins). */
  async saveKind(actor: Actor, kindId: string | null, input: { label: string; durationMinutes: number; active: boolean }): Promise<string> {
    scopeFor(actor, 'missions:manage');
    if (kindId !== null && !isUuid(kindId)) throw new NotFoundError();
    return this.db.transaction(async (trx) => {
      if (await this.repo.labelTaken(trx, input.label, kindId)) throw new ValidationError({ label: 'Ce motif existe déjà' });
      const before = kindId ? (await this.repo.kinds(trx, false)).find((k) => k.id === kindId) : undefined;
      if (kindId && !before) throw new NotFoundError();
      const id = kindId ?? (await this.repo.insertKind(trx, input));
      if (kindId) await this.repo.updateKind(trx, kindId, input);
      await this.audit.record(trx, actor, {
        entityType: 'appointment_kind',
        entityId: id,
        organisationId: actor.organisationId,
        action: kindId ? 'appointment_kind.updated' : 'appointment_kind.created',
        before: before ? { ...before } : undefined,
        after: { ...input },
      });
      return id;
    });
  }

  private async adviserFor(actor: Actor, adviserId: string | undefined): Promise<Adviser> {
    scopeFor(actor, 'missions:work');
    const id = adviserId ?? actor.userId;
    if (!isUuid(id) || (actor.role === 'social_adviser' && id !== actor.userId)) throw new NotFoundError();
    const [adviser] = await this.repo.advisers(this.db, [id]);
    if (!adviser) throw new NotFoundError('Cette personne ne reçoit pas de rendez-vous : choisissez une conseillère ou un conseiller.');
    return adviser;
  }
}
