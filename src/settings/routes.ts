import { type Request, type Response, Router } from 'express';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { urls } from '../urls';
import { settingsSchema } from './schemas';

/** The association's settings page (administrators): letterhead of the letters, instruction delays. */
export function settingsRoutes(services: Services): Router {
  const router = Router();
  const { settings, logger } = services;

  const render = async (_req: Request, res: Response, form: FormState) => {
    res.render('settings/edit', { form });
  };
  router.get(urls.settings(), ...requirePermission('settings:manage'), async (req, res) => {
    const { settings: s, version } = await settings.current();
    const values = {
      name: s.letterhead.name,
      address: s.letterhead.addressLines.join('\n'),
      phone: s.letterhead.phone ?? '',
      email: s.letterhead.email ?? '',
      city: s.letterhead.city,
      signatoryName: s.letterhead.signatoryName,
      signatoryTitle: s.letterhead.signatoryTitle,
      informationReminderDays: s.instruction.informationReminderDays,
      waitingAlertDays: s.instruction.waitingAlertDays,
      version,
    };
    await render(req, res, emptyForm(req, values));
  });
  postForm(router, urls.settings(), logger, {
    permission: 'settings:manage',
    schema: settingsSchema,
    render,
    handle: async (req, res, data) => {
      await settings.save(actor(req), data);
      req.flash('success', 'Les paramètres sont enregistrés.');
      res.redirect(urls.settings());
    },
  });
  return router;
}
