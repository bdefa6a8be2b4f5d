import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../../http/download';
import { emptyForm, type FormState, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import { can } from '../../permissions';
import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import { NotFoundError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { APPOINTMENT_MODES } from '../state-machine';
import { adviserOnlySchema, EXCEPTION_KINDS, exceptionSchema, kindSchema, openingSchema, WEEKDAYS } from './schemas';

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));
const adviserQuery = z.object({ conseiller: z.uuid().optional().catch(undefined) });
/** The adviser a form is about: the hidden field of the form, else the page's query. */
const chosenAdviser = (req: Request): string | undefined => {
  const body = req.body as Record<string, unknown> | undefined;
  const posted = typeof body?.conseiller === 'string' && body.conseiller !== '' ? body.conseiller : undefined;
  return posted ?? adviserQuery.parse(req.query).conseiller;
};

/**
 * The advisers' availability in the extranet: an adviser edits their own weekly openings and
 * exceptions, an operator or an admin any adviser's; they also edit the kinds of appointment and
 * print the poster with the QR code of the public booking page.
 */
export function availabilityRoutes(services: Services): Router {
  const router = Router();
  const { availability, logger, clock } = services;

  const render = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const advisers = await availability.editableAdvisers(a);
    const wanted = a.role === 'social_adviser' ? a.userId : (chosenAdviser(req) ?? advisers[0]?.id);
    const data = wanted ? await availability.of(a, wanted) : null;
    const which = (req.body as Record<string, unknown> | undefined)?.formulaire === 'exception' ? 'exception' : 'opening';
    const blank = emptyForm(req, { mode: 'in_person', kind: 'closed', startsOn: '', exceptionMode: 'in_person' });
    res.render('missions/availability/edit', {
      data,
      advisers: a.role === 'social_adviser' ? [] : advisers.map((x) => ({ value: x.id, text: x.name })),
      adviserId: data?.adviser.id ?? '',
      openingForm: req.method === 'POST' && which === 'opening' ? form : blank,
      exceptionForm: req.method === 'POST' && which === 'exception' ? form : blank,
      weekdayOptions: options(WEEKDAYS),
      weekdays: WEEKDAYS,
      modeOptions: options(APPOINTMENT_MODES),
      kindOptions: options(EXCEPTION_KINDS),
      manage: can(a, 'missions:manage'),
      today: parisDate(clock.now()),
    });
  };
  const back = (req: Request) =>
    `${urls.availability()}${actor(req).role === 'social_adviser' || !chosenAdviser(req) ? '' : `?conseiller=${chosenAdviser(req)}`}`;

  router.get(routes.availability, ...requirePermission('missions:work'), (req, res) => render(req, res, emptyForm(req)));
  postForm(router, routes.availabilityOpenings, logger, {
    permission: 'missions:work',
    schema: openingSchema,
    render,
    handle: async (req, res, d) => {
      await availability.addOpening(actor(req), d.conseiller, { weekday: d.weekday, from: d.from, to: d.to, mode: d.mode, place: d.place });
      req.flash('success', 'Le créneau est ajouté : les ménages peuvent le réserver.');
      res.redirect(back(req));
    },
  });
  postForm(router, routes.availabilityOpeningDelete, logger, {
    permission: 'missions:work',
    schema: adviserOnlySchema,
    render,
    handle: async (req, res, d) => {
      await availability.removeOpening(actor(req), d.conseiller, String(req.params.openingId));
      req.flash('success', 'Le créneau est retiré. Les rendez-vous déjà pris restent.');
      res.redirect(back(req));
    },
  });
  postForm(router, routes.availabilityExceptions, logger, {
    permission: 'missions:work',
    schema: exceptionSchema,
    render,
    handle: async (req, res, d) => {
      await availability.addException(actor(req), d.conseiller, {
        kind: d.kind,
        startsOn: d.startsOn,
        endsOn: d.endsOn ?? d.startsOn,
        from: d.exceptionFrom,
        to: d.exceptionTo,
        mode: d.exceptionMode,
        place: d.exceptionPlace,
        note: d.note,
      });
      req.flash('success', d.kind === 'closed' ? 'L’absence est enregistrée : ces heures ne sont plus proposées.' : 'L’ouverture en plus est enregistrée.');
      res.redirect(back(req));
    },
  });
  postForm(router, routes.availabilityExceptionDelete, logger, {
    permission: 'missions:work',
    schema: adviserOnlySchema,
    render,
    handle: async (req, res, d) => {
      await availability.removeException(actor(req), d.conseiller, String(req.params.exceptionId));
      req.flash('success', 'L’exception est retirée.');
      res.redirect(back(req));
    },
  });

  // the kinds of appointment (operators and admins)
  const renderKinds = async (req: Request, res: Response, form: FormState) => {
    const kinds = await availability.kinds(false);
    const asked = typeof req.params.kindId === 'string' ? req.params.kindId : z.uuid().optional().catch(undefined).parse(req.query.modifier);
    const editing = asked ?? null;
    // an unknown kind: its rejected form shows the list (a valid one is refused by the service: 404)
    if (editing && !kinds.some((k) => k.id === editing) && req.method === 'GET') throw new NotFoundError();
    res.render('missions/availability/kinds', { kinds, form, editing });
  };
  router.get(routes.appointmentKinds, ...requirePermission('missions:manage'), (req, res) => renderKinds(req, res, emptyForm(req, { active: true })));
  postForm(router, routes.appointmentKinds, logger, {
    permission: 'missions:manage',
    schema: kindSchema,
    render: renderKinds,
    handle: async (req, res, d) => {
      await availability.saveKind(actor(req), null, d);
      req.flash('success', 'Le motif est ajouté.');
      res.redirect(urls.appointmentKinds());
    },
  });
  postForm(router, routes.appointmentKind, logger, {
    permission: 'missions:manage',
    schema: kindSchema,
    render: renderKinds,
    handle: async (req, res, d) => {
      await availability.saveKind(actor(req), String(req.params.kindId), d);
      req.flash('success', 'Le motif est enregistré.');
      res.redirect(urls.appointmentKinds());
    },
  });

  router.get(routes.bookingPoster, ...requirePermission('missions:manage'), async (req, res) => {
    sendAttachment(res, 'affiche-prendre-rendez-vous.pdf', 'application/pdf', await availability.poster(actor(req)));
  });
  return router;
}
