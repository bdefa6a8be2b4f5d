import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { backWithErrors, emptyForm, type FormState, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import type { Services } from '../../services';
import { routes, urls } from '../../urls';
import { probeFrom, ticked } from './probe';
import { type Actor, can } from '../../permissions/index';
import { personMergeSchema } from '../schemas';

const PROBE_LIMITED =
  'Trop de vérifications de doublons en peu de temps : patientez quelques minutes avant de réessayer. Vous pouvez enregistrer la personne, l’association vérifiera les doublons.';

const probeQuery = z.object({ exclude: z.uuid().optional().catch(undefined) });

export function duplicateRoutes(services: Services): Router {
  const router = Router();
  const { duplicates, logger } = services;

  /**
   * htmx, on change of the birth date: is this person already known? (same code as the check on
   * save). Where saving asks for it (a new person, not an edit), the box to tick comes with the warning.
   * A landlord user is told only about the same identity, within a limit per user (duplicates.check).
   */
  router.get(urls.personDuplicateCheck(), ...requirePermission('households:manage'), async (req, res) => {
    const { exclude } = probeQuery.parse(req.query);
    const probe = probeFrom(req.query);
    const result = probe ? await duplicates.check(actor(req), probe, exclude ? [exclude] : []) : { known: false, matches: [], limited: false };
    if (result.limited) {
      logger.warn('rate limit reached', { event: 'security.rate_limited', path: req.path, userId: req.actor?.userId, requestId: req.id });
      // htmx swaps only 2xx answers: the live check gets its notice in place of the warning, a plain request the 429 page
      if (req.get('hx-request')) res.render('households/_duplicate-check', { dup: { limited: true }, message: PROBE_LIMITED });
      else res.status(429).render('errors/429', { message: PROBE_LIMITED });
      return;
    }
    res.render('households/_duplicate-check', { dup: { ...result, ask: !exclude, checked: ticked(req.query.confirmNotDuplicate) } });
  });

  router.get(urls.duplicates(), ...requirePermission('households:merge'), async (req, res) => {
    res.render('households/duplicates', { suspicions: await duplicates.openSuspicions(actor(req)) });
  });

  /** A household's open requests and missions, as the actor's lists show them (the merge page's two sides). */
  const openActivity = async (a: Actor, householdId: string | undefined) => {
    if (!householdId) return null;
    const requests = can(a, 'requests:read') ? (await services.requestLists.forHousehold(a, householdId, { openOnly: true })).items : [];
    const missions = can(a, 'missions:read') ? await services.missions.forHousehold(a, householdId, { openOnly: true }) : [];
    return { requests, missions };
  };

  // a merge is confirmed on its own page: both fiches, their households and what is open on each side
  const renderMerge = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const keep = typeof req.query.garder === 'string' ? req.query.garder : String(form.values.survivorId ?? '');
    const preview = await duplicates.personMergePreview(a, String(req.params.id), keep);
    const [survivorActivity, mergedActivity] = await Promise.all([
      openActivity(a, preview.survivor.household?.id),
      openActivity(a, preview.merged.household?.id),
    ]);
    res.render('households/person-merge', {
      preview,
      survivorActivity,
      mergedActivity,
      form: { ...form, values: { leaveDate: services.households.today(), ...form.values } },
    });
  };
  router.get(routes.duplicateMerge, ...requirePermission('households:merge'), (req, res) => renderMerge(req, res, emptyForm(req)));
  postForm(router, routes.duplicateMerge, logger, {
    permission: 'households:merge',
    schema: personMergeSchema,
    render: renderMerge,
    handle: async (req, res, data) => {
      await duplicates.mergeReported(actor(req), String(req.params.id), data.survivorId, data.mergedId, { householdId: data.leaveFrom, date: data.leaveDate });
      req.flash(
        'success',
        data.leaveFrom
          ? 'Le départ est enregistré et les deux fiches sont fusionnées : les appartenances aux ménages et leur historique sont réunis.'
          : 'Les deux fiches sont fusionnées : les appartenances aux ménages et leur historique sont réunis.',
      );
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
