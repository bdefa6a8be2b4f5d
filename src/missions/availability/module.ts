import type { Knex } from 'knex';
import type { AuditService } from '../../audit/service';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import type { AppointmentService } from '../appointments/service';
import { BookingService } from './booking';
import { AvailabilityRepository } from './repository';
import { AvailabilityService } from './service';

/** Advisers' published availability and the bookings households make from it. */
export function createAvailabilityModule(deps: {
  db: Knex;
  clock: Clock;
  mailer: Mailer;
  blobs: BlobStore;
  settings: SettingsService;
  audit: AuditService;
  appointments: AppointmentService;
  baseUrl: string;
}) {
  const repo = new AvailabilityRepository();
  const availability = new AvailabilityService({ db: deps.db, repo, audit: deps.audit, clock: deps.clock, settings: deps.settings, baseUrl: deps.baseUrl });
  const bookings = new BookingService({
    db: deps.db,
    repo,
    mailer: deps.mailer,
    blobs: deps.blobs,
    settings: deps.settings,
    audit: deps.audit,
    clock: deps.clock,
    baseUrl: deps.baseUrl,
    signedLink: (id) => deps.appointments.link(id),
  });
  return { availability, bookings };
}
