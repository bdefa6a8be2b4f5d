import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Logger } from '../logger';
import { NotFoundError } from '../shared/errors';
import { routes, urls } from '../urls';
import type { MonthlyReportService } from './service';

const month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .optional()
  .catch(undefined);
export const reportsQuery = z.object({ mois: month });

export const subscriptionSchema = z.object({
  recevoir: z.enum(['oui', 'non'], { error: 'Choisissez de recevoir ou non le rapport mensuel par courriel' }),
});

export function reportRoutes(services: { monthlyReports: MonthlyReportService; logger: Logger }): Router {
  const router = Router();

  router.get(routes.reports, ...requirePermission('reports:read'), async (req, res) => {
    const a = actor(req);
    const { mois } = reportsQuery.parse(req.query);
    const list = await services.monthlyReports.list(a, mois);
    res.render('reports/index', {
      list,
      receives: await services.monthlyReports.receives(a),
      links: {
        reports: urls.reports(),
        subscription: urls.reportsSubscription(),
        pdf: Object.fromEntries(list.reports.map((r) => [r.id, urls.reportFile(r.id, 'pdf')])),
        xlsx: Object.fromEntries(list.reports.map((r) => [r.id, urls.reportFile(r.id, 'xlsx')])),
      },
    });
  });

  postForm(router, routes.reportsSubscription, services.logger, {
    permission: 'reports:read',
    schema: subscriptionSchema,
    render: backWithErrors(() => urls.reports()),
    handle: async (req: Request, res: Response, input) => {
      const receives = input.recevoir === 'oui';
      await services.monthlyReports.setReceives(actor(req), receives);
      req.flash(
        'success',
        receives
          ? 'C’est noté : vous recevrez le rapport mensuel par courriel, le 5 de chaque mois.'
          : 'C’est noté : vous ne recevrez plus le rapport mensuel par courriel. Il reste consultable sur cette page.',
      );
      res.redirect(`${urls.reports()}#abonnement`);
    },
  });

  router.get(routes.reportFile, ...requirePermission('reports:read'), async (req, res) => {
    const format = req.params.format;
    if (format !== 'pdf' && format !== 'xlsx') throw new NotFoundError();
    const file = await services.monthlyReports.file(actor(req), String(req.params.id), format);
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  return router;
}
