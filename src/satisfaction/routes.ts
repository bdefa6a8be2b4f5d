import { Router } from 'express';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes } from '../urls';
import { resultsQuery } from './schemas';

/** The association's live results of the satisfaction questionnaires (figures for the auditor, comments for the staff). */
export function satisfactionRoutes(services: Services): Router {
  const router = Router();
  router.get(routes.statisticsSatisfaction, ...requirePermission('satisfaction:read'), async (req, res) => {
    const r = await services.satisfaction.results(actor(req), resultsQuery.parse(req.query));
    res.render('satisfaction/results', { r });
  });
  return router;
}
