import { type Request, type Response, Router } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { z } from 'zod';
import { backWithErrors, emptyForm, type FormState, postForm } from '../../http/forms';
import { DatabaseRateLimitStore } from '../../http/rate-limit-store';
import { bookingSchema, publicBookingSchema } from '../../missions/availability/schemas';
import { APPOINTMENT_MODES } from '../../missions/state-machine';
import type { Services } from '../../services';
import { routes, urls } from '../../urls';
import type { HouseholdActor as Booker } from '../../missions/availability/booking';
import { type HouseholdActor, householdActor, householdAuditActor } from '../actor';
import { requireHousehold } from '../guard';

/** Public bookings (QR code) from one address in an hour: enough for a family, not for a robot. */
export const PUBLIC_BOOKINGS_PER_HOUR = 20;

const choiceQuery = z.object({
  motif: z.uuid().optional().catch(undefined),
  jour: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  conseiller: z.uuid().optional().catch(undefined),
});

/**
 * The household books, moves and cancels its appointments (its space), or anyone books from the
 * association's QR code (public page, a name and an e-mail). One page to choose: the reason, a
 * day, an adviser when there are several, then a free slot; a slot taken meanwhile brings the
 * page back with everything kept and the message.
 */
export function householdBookingRoutes(services: Services): Router {
  const router = Router();
  const { bookings, householdSpace, logger } = services;
  const bookingId = (req: Request) => String(req.params.bookingId);
  /** The household of the session, as the booking service takes it (with the author of its audit lines). */
  const booker = (req: Request): Booker => {
    const a = householdActor(req);
    return { personId: a.personId, householdId: a.householdId, organisationId: a.organisationId, label: a.label, author: householdAuditActor(a) };
  };

  const trace = (req: Request, actor: HouseholdActor, action: string, entityType: string, entityId: string) =>
    householdSpace.trace(actor, { action, entityType, entityId, requestId: req.id });

  /** The choice page: what was asked (query on GET, the posted fields on a rejected POST), the free slots of the day. */
  const renderChoice = async (req: Request, res: Response, form: FormState, mode: 'new' | 'move' | 'public') => {
    const household = mode === 'public' ? null : booker(req);
    const body = (req.method === 'POST' ? req.body : {}) as Record<string, unknown>;
    const q = choiceQuery.parse(req.method === 'POST' ? { motif: body.kindId, jour: body.jour, conseiller: body.conseiller } : req.query);
    const current = mode === 'move' && household ? await bookings.get(household, bookingId(req)) : null;
    if (current && req.method === 'GET') await trace(req, householdActor(req), 'household.appointment', 'appointment', current.id);
    const kindId = q.motif ?? (current ? (current.kindId ?? undefined) : undefined);
    const c = await bookings.choices(household, { kindId, date: q.jour, adviserId: q.conseiller, exceptAppointmentId: current?.id });
    const action = mode === 'new' ? urls.householdBookingNew() : mode === 'move' ? urls.householdBookingMove(bookingId(req)) : urls.publicBooking();
    res.render('household/booking/choose', {
      mode,
      action,
      current,
      form: {
        ...form,
        values: { ...form.values, kindId: c.kind?.id ?? '', jour: c.date ?? '', conseiller: q.conseiller ?? '' },
        // the reason is chosen in the select « motif » of the first step: the summary links there
        errorSummary: form.errorSummary.map((e) => (e.href === '#kindId' ? { ...e, href: '#motif' } : e)),
      },
      kinds: c.kinds.map((k) => ({ value: k.id, text: `${k.label} (${k.durationMinutes} min)` })),
      kind: c.kind,
      advisers: c.advisers.map((a) => ({ value: a.id, text: a.name })),
      date: c.date,
      slots: c.slots.map((s) => ({ ...s, modeLabel: APPOINTMENT_MODES[s.mode] })),
      nextDates: c.nextDates,
      chooseQuery: (jour: string) =>
        `${action}?motif=${encodeURIComponent(c.kind?.id ?? '')}&jour=${encodeURIComponent(jour)}${q.conseiller ? `&conseiller=${encodeURIComponent(q.conseiller)}` : ''}`,
    });
  };
  // --- from the space ---
  router.get(routes.householdBookings, requireHousehold, async (req, res) => {
    const actor = householdActor(req);
    const list = await bookings.list(booker(req));
    await trace(req, actor, 'household.appointments', 'household', actor.householdId);
    const now = services.clock.now().getTime();
    res.render('household/booking/list', {
      upcoming: list.filter((a) => a.startsAt.getTime() > now && ['scheduled', 'confirmed'].includes(a.status)).reverse(),
      past: list.filter((a) => a.startsAt.getTime() <= now || !['scheduled', 'confirmed'].includes(a.status)),
      modes: APPOINTMENT_MODES,
    });
  });

  router.get(routes.householdBookingNew, requireHousehold, (req, res) => renderChoice(req, res, emptyForm(req), 'new'));
  router.post(routes.householdBookingNew, requireHousehold);
  postForm(router, routes.householdBookingNew, logger, {
    permission: null,
    schema: bookingSchema,
    render: (req, res, form) => renderChoice(req, res, form, 'new'),
    handle: async (req, res, d) => {
      const id = await bookings.book({ household: booker(req) }, { kindId: d.kindId, slot: d.slot });
      req.flash('success', 'C’est réservé. Vous allez recevoir un e-mail de confirmation.');
      res.redirect(urls.householdBooking(id));
    },
  });

  router.get(routes.householdBooking, requireHousehold, async (req, res) => {
    const actor = householdActor(req);
    const appointment = await bookings.get(booker(req), bookingId(req));
    await trace(req, actor, 'household.appointment', 'appointment', appointment.id);
    res.render('household/booking/show', { appointment, modes: APPOINTMENT_MODES });
  });

  router.get(routes.householdBookingMove, requireHousehold, (req, res) => renderChoice(req, res, emptyForm(req), 'move'));
  router.post(routes.householdBookingMove, requireHousehold);
  postForm(router, routes.householdBookingMove, logger, {
    permission: null,
    schema: bookingSchema,
    render: (req, res, form) => renderChoice(req, res, form, 'move'),
    handle: async (req, res, d) => {
      await bookings.move(booker(req), bookingId(req), { kindId: d.kindId, slot: d.slot });
      req.flash('success', 'Le rendez-vous est déplacé. Vous allez recevoir un e-mail avec la nouvelle date.');
      res.redirect(urls.householdBooking(bookingId(req)));
    },
  });

  router.post(routes.householdBookingCancel, requireHousehold);
  postForm(router, routes.householdBookingCancel, logger, {
    permission: null,
    schema: z.object({}),
    // a refusal (too late, already cancelled) goes back to the appointment with the message; another household's is a 404
    render: backWithErrors(
      (req) => urls.householdBooking(bookingId(req)),
      (req) => bookings.get(booker(req), bookingId(req)),
    ),
    handle: async (req, res) => {
      await bookings.cancel(booker(req), bookingId(req));
      req.flash('success', 'Le rendez-vous est annulé. Votre conseiller ou conseillère est prévenu·e.');
      res.redirect(urls.householdBookings());
    },
  });

  // --- public, from the QR code (no session needed) ---
  const limiter = rateLimit({
    windowMs: 60 * 60_000,
    limit: PUBLIC_BOOKINGS_PER_HOUR,
    store: new DatabaseRateLimitStore(services.knex, 'public-booking:', services.config.env !== 'test'),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? ''),
    handler: (req: Request, res: Response) => {
      logger.warn('public bookings throttled', { event: 'booking.public_throttled', ip: req.ip, requestId: req.id });
      res.status(429).render('household/booking/throttled');
    },
  });
  router.get(routes.publicBooking, (req, res) => renderChoice(req, res, emptyForm(req), 'public'));
  router.post(routes.publicBooking, limiter);
  postForm(router, routes.publicBooking, logger, {
    permission: null,
    schema: publicBookingSchema,
    render: (req, res, form) => renderChoice(req, res, form, 'public'),
    handle: async (req, res, d) => {
      await bookings.book({ contact: { name: d.contactName, email: d.contactEmail, phone: d.contactPhone } }, { kindId: d.kindId, slot: d.slot });
      res.redirect(urls.publicBookingDone());
    },
  });
  router.get(routes.publicBookingDone, (_req, res) => res.render('household/booking/done'));
  return router;
}
