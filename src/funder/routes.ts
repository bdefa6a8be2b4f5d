import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { ORIENTATION_CLOSE_REASONS } from './labels';
import { closeOrientationSchema } from './orientations/schemas';

const statusQuery = z.object({ statut: z.enum(['a_traiter', 'transformee', 'close', 'toutes']).catch('a_traiter') });
const reasons = Object.entries(ORIENTATION_CLOSE_REASONS).map(([value, text]) => ({ value, text }));

/** The « Orientations ASD » queue: the orientations received from Action Logement's ASD service. */
export function funderRoutes(services: Services): Router {
  const router = Router();
  const { orientationQueue, logger } = services;
  const id = (req: Request) => String(req.params.id);

  router.get(urls.orientations(), ...requirePermission('orientations:read'), async (req, res) => {
    const { statut } = statusQuery.parse(req.query);
    res.render('orientations/index', { orientations: await orientationQueue.list(actor(req), statut), statut });
  });

  const renderShow = async (req: Request, res: Response, form: FormState) => {
    const { orientation, known } = await orientationQueue.show(actor(req), id(req));
    res.render('orientations/show', { orientation, known, form, reasons });
  };
  router.get(routes.orientation, ...requirePermission('orientations:read'), async (req, res) => {
    await renderShow(req, res, emptyForm(req, {}));
  });
  postForm(router, routes.orientationClose, logger, {
    permission: 'orientations:manage',
    schema: () => closeOrientationSchema,
    render: renderShow,
    handle: async (req, res, data) => {
      await orientationQueue.close(actor(req), id(req), { reason: data.reason, version: data.version });
      req.flash('success', 'L’orientation est close ; le motif partira dans le prochain fichier de suivi.');
      res.redirect(urls.orientations());
    },
  });

  return router;
}
