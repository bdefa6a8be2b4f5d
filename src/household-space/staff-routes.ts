import { Router } from 'express';
import { z } from 'zod';
import { actor } from '../http/guards';
import { backWithErrors, postForm } from '../http/forms';
import type { Services } from '../services';
import { NotFoundError } from '../shared/errors';
import { routes, urls } from '../urls';

/**
 * The extranet's side of the household space: a landlord's instructor or the association sends a
 * current member of a household they manage the personal link to its space (a household who lost
 * its mail, or who has just been given an e-mail address).
 */
export function householdStaffRoutes(services: Services): Router {
  const router = Router();
  postForm(router, routes.memberSpaceLink, services.logger, {
    permission: 'households:manage',
    schema: z.object({}),
    render: backWithErrors((req) => urls.household(String(req.params.id))),
    handle: async (req, res) => {
      const a = actor(req);
      // the household as the actor may manage it (404 outside its organisation), then one of its current members
      const detail = await services.households.detail(a, String(req.params.id));
      const member = detail.current.find((m) => m.id === String(req.params.memberId));
      if (!member || detail.household.status !== 'active') throw new NotFoundError();
      const sent = await services.householdSpace.access.sendByStaff(a, member.person.id, detail.household.organisationId);
      req.flash(
        sent ? 'success' : 'error',
        sent
          ? `Le lien de son espace a été envoyé à ${member.person.firstNames} ${member.person.lastName}.`
          : `${member.person.firstNames} ${member.person.lastName} n’a pas d’adresse e-mail : ajoutez-la d’abord (Modifier).`,
      );
      res.redirect(urls.household(detail.household.id));
    },
  });
  return router;
}
