import { timingSafeEqual } from 'node:crypto';
import { type Request, Router } from 'express';
import type { Services } from '../services';
import { routes } from '../urls';

/** The address as configured lists it (an IPv4 client seen through an IPv6 socket is « ::ffff:a.b.c.d »). */
const plainAddress = (ip: string | undefined): string => (ip ?? '').replace(/^::ffff:/, '');

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * GET /metrics for Prometheus, outside the session (no cookie, no login): only with the bearer
 * token of METRICS_TOKEN or from an address of METRICS_ALLOW; neither configured, nobody.
 */
export function metricsRoutes(services: Services): Router {
  const router = Router();
  const { token, allow } = services.config.metrics;
  const allowed = (req: Request): boolean => {
    const header = req.get('authorization') ?? '';
    if (token && header.startsWith('Bearer ') && sameSecret(header.slice(7).trim(), token)) return true;
    return allow.includes(plainAddress(req.ip));
  };
  router.get(routes.metrics, async (req, res) => {
    if (!allowed(req)) {
      if (token) res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res
        .status(token ? 401 : 403)
        .type('text/plain; charset=utf-8')
        .send('Accès aux métriques refusé : jeton ou adresse autorisée requis.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(services.metrics.contentType).send(await services.metrics.text());
  });
  return router;
}
