import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Logger } from '../logger';
import { routes, urls } from '../urls';
import { STATUS_LABELS } from './checks/types';
import type { SelfAuditService } from './service';

export const deactivateSchema = z.object({
  confirmer: z.literal('oui', { error: 'Confirmez la désactivation du compte avec le bouton « Confirmer la désactivation »' }),
});

export function selfAuditRoutes(services: { selfAudit: SelfAuditService; logger: Logger }): Router {
  const router = Router();

  router.get(routes.selfAudit, ...requirePermission('self-audit:read'), async (req, res) => {
    const reports = await services.selfAudit.list(actor(req));
    res.render('self-audit/index', { reports, links: Object.fromEntries(reports.map((r) => [r.id, urls.selfAuditReport(r.id)])) });
  });

  router.get(routes.selfAuditReport, ...requirePermission('self-audit:read'), async (req, res) => {
    const found = await services.selfAudit.get(actor(req), String(req.params.id));
    res.render('self-audit/show', {
      ...found,
      statusLabels: STATUS_LABELS,
      links: {
        index: urls.selfAudit(),
        deactivate: Object.fromEntries(
          found.report.checks.flatMap((c) => c.accounts ?? []).map((a) => [a.userId, urls.selfAuditDeactivate(found.report.id, a.userId)]),
        ),
        user: Object.fromEntries(found.report.checks.flatMap((c) => c.accounts ?? []).map((a) => [a.userId, urls.user(a.userId)])),
      },
    });
  });

  postForm(router, routes.selfAuditDeactivate, services.logger, {
    permission: 'self-audit:manage',
    schema: deactivateSchema,
    render: backWithErrors(
      (req) => `${urls.selfAuditReport(String(req.params.id))}#comptes-inactifs`,
      (req) => services.selfAudit.get(actor(req), String(req.params.id)),
    ),
    handle: async (req: Request, res: Response) => {
      const { name } = await services.selfAudit.deactivate(actor(req), String(req.params.id), String(req.params.userId));
      req.flash('success', `Le compte de ${name} est désactivé : ses sessions ont été fermées. Il peut être réactivé depuis sa page.`);
      res.redirect(`${urls.selfAuditReport(String(req.params.id))}#comptes-inactifs`);
    },
  });

  return router;
}
