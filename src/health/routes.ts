import { Router } from 'express';
import type { Services } from '../services';
import { urls } from '../urls';

/** Load-balancer probes: no session, no personal data. */
export function healthRoutes(services: Services): Router {
  const router = Router();
  router.get(urls.healthz(), (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(urls.readyz(), async (_req, res) => {
    const readiness = await services.health.readiness();
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });
  return router;
}
