import { Router } from 'express';
import { z } from 'zod';
import { backWithErrors, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { probeFrom, ticked } from './duplicate-probe';

const probeQuery = z.object({ exclude: z.uuid().optional().catch(undefined) });

export function duplicateRoutes(services: Services): Router {
  const router = Router();
  const { duplicates, logger } = services;

  /**
   * htmx, on change of the birth date: is this person already known? (same code as the check on
   * save). Where saving asks for it (a new person, not an edit), the box to tick comes with the warning.
   */
  router.get(urls.personDuplicateCheck(), ...requirePermission('households:manage'), async (req, res) => {
    const { exclude } = probeQuery.parse(req.query);
    const probe = probeFrom(req.query);
    const result = probe ? await duplicates.check(actor(req), probe, exclude ? [exclude] : []) : { known: false, matches: [] };
    res.render('households/_duplicate-check', { dup: { ...result, ask: !exclude, checked: ticked(req.query.confirmNotDuplicate) } });
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
