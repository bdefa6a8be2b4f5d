import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type FormState, postForm } from '../../http/forms';
import type { Services } from '../../services';
import { NotFoundError } from '../../shared/errors';
import { routes, urls } from '../../urls';

/** The household's link (no account): see the appointment, confirm or cancel it while it is more than 24 hours away. */
export function appointmentLinkRoutes(services: Services): Router {
  const router = Router();
  const { appointments, logger } = services;
  const token = (req: Request) => String(req.params.token);

  const render = async (req: Request, res: Response, form?: FormState) => {
    const appointment = await appointments.byToken(token(req));
    if (!appointment) throw new NotFoundError('Ce lien n’est pas valide ou le rendez-vous est passé.');
    res.render('missions/link', { appointment, form: form ?? { values: {}, errors: {}, errorSummary: [] }, token: token(req) });
  };
  router.get(routes.appointmentLink, (req, res) => render(req, res));
  for (const [path, action] of [
    [routes.appointmentLinkConfirm, 'confirm'],
    [routes.appointmentLinkCancel, 'cancel'],
  ] as const) {
    postForm(router, path, logger, {
      permission: null,
      schema: z.object({}),
      render,
      handle: async (req, res) => {
        await appointments[action](token(req));
        req.flash(
          'success',
          action === 'confirm'
            ? 'Merci, votre venue est confirmée.'
            : 'Le rendez-vous est annulé ; votre conseiller ou conseillère est prévenu·e et vous recontactera.',
        );
        res.redirect(urls.appointmentLink(token(req)));
      },
    });
  }
  return router;
}
