import { Router } from 'express';
import { z } from 'zod';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { parseFrenchDate } from '../shared/form-fields';
import { routes, urls } from '../urls';

const probeQuery = z.object({
  lastName: z.string().trim().max(100).catch(''),
  firstNames: z.string().trim().max(120).catch(''),
  birthDate: z.string().trim().max(20).catch(''),
  email: z.string().trim().max(254).catch(''),
  phone: z.string().trim().max(20).catch(''),
  exclude: z.uuid().optional().catch(undefined),
});

export function duplicateRoutes(services: Services): Router {
  const router = Router();
  const { duplicates, logger } = services;

  /** htmx, on blur of the birth date: is this person already known? (same code as the check on save) */
  router.get(urls.personDuplicateCheck(), ...requirePermission('households:manage'), async (req, res) => {
    const q = probeQuery.parse(req.query);
    const birthDate = parseFrenchDate(q.birthDate);
    if (!q.lastName || !q.firstNames || !birthDate) {
      res.render('households/_duplicate-check', { known: false, matches: [] });
      return;
    }
    const phone = q.phone.replace(/[\s.\-()]/g, '') || null;
    const result = await duplicates.check(actor(req), { lastName: q.lastName, firstNames: q.firstNames, birthDate, email: q.email || null, phone }, q.exclude ? [q.exclude] : []);
    res.render('households/_duplicate-check', result);
  });

  router.get(urls.duplicates(), ...requirePermission('households:merge'), async (req, res) => {
    res.render('households/duplicates', { suspicions: await duplicates.openSuspicions(actor(req)) });
  });

  postForm(router, routes.duplicateMerge, logger, {
    permission: 'households:merge',
    schema: z.object({ survivorId: z.uuid({ error: 'Choisissez la fiche à garder' }), mergedId: z.uuid({ error: 'Choisissez la fiche à fusionner' }) }),
    render: backWithErrors(() => urls.duplicates()),
    handle: async (req, res, data) => {
      await duplicates.mergePersons(actor(req), data.survivorId, data.mergedId);
      req.flash('success', 'Les deux fiches sont fusionnées : les appartenances aux ménages et leur historique sont réunis.');
      res.redirect(urls.duplicates());
    },
  });

  postForm(router, routes.duplicateDismiss, logger, {
    permission: 'households:merge',
    schema: z.object({}),
    render: backWithErrors(() => urls.duplicates()),
    handle: async (req, res) => {
      await duplicates.dismiss(actor(req), String(req.params.id));
      req.flash('success', 'Le signalement est écarté : ce ne sont pas les mêmes personnes.');
      res.redirect(urls.duplicates());
    },
  });

  return router;
}
