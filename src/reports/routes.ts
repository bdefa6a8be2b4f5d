import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Logger } from '../logger';
import { NotFoundError } from '../shared/errors';
import { fillPattern } from '../urls';
import type { MonthlyReportService } from './service';

/**
 * The Rapports page's routes. Until they join src/urls.ts (`routes.reports…`), their patterns live
 * here, built the same way (fillPattern), never concatenated.
 */
export const REPORT_ROUTES = {
  reports: '/rapports',
  reportsSubscription: '/rapports/abonnement',
  reportFile: '/rapports/:id/:format',
} as const;
export const reportUrls = {
  reports: (): string => REPORT_ROUTES.reports,
  reportsSubscription: (): string => REPORT_ROUTES.reportsSubscription,
  reportFile: (id: string, format: 'pdf' | 'xlsx'): string => fillPattern(REPORT_ROUTES.reportFile, [id, format]),
};

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

  router.get(REPORT_ROUTES.reports, ...requirePermission('reports:read'), async (req, res) => {
    const a = actor(req);
    const { mois } = reportsQuery.parse(req.query);
    const list = await services.monthlyReports.list(a, mois);
    res.render('reports/index', {
      list,
      receives: await services.monthlyReports.receives(a),
      links: {
        reports: reportUrls.reports(),
        subscription: reportUrls.reportsSubscription(),
        pdf: Object.fromEntries(list.reports.map((r) => [r.id, reportUrls.reportFile(r.id, 'pdf')])),
        xlsx: Object.fromEntries(list.reports.map((r) => [r.id, reportUrls.reportFile(r.id, 'xlsx')])),
      },
    });
  });

  postForm(router, REPORT_ROUTES.reportsSubscription, services.logger, {
    permission: 'reports:read',
    schema: subscriptionSchema,
    render: backWithErrors(() => reportUrls.reports()),
    handle: async (req: Request, res: Response, input) => {
      const receives = input.recevoir === 'oui';
      await services.monthlyReports.setReceives(actor(req), receives);
      req.flash(
        'success',
        receives
          ? 'C’est noté : vous recevrez le rapport mensuel par courriel, le 5 de chaque mois.'
          : 'C’est noté : vous ne recevrez plus le rapport mensuel par courriel. Il reste consultable sur cette page.',
      );
      res.redirect(`${reportUrls.reports()}#abonnement`);
    },
  });

  router.get(REPORT_ROUTES.reportFile, ...requirePermission('reports:read'), async (req, res) => {
    const format = req.params.format;
    if (format !== 'pdf' && format !== 'xlsx') throw new NotFoundError();
    const file = await services.monthlyReports.file(actor(req), String(req.params.id), format);
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });

  return router;
}
