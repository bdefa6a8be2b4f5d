import { type Request, type Response, Router } from 'express';
import { presentHistory } from '../audit/presenter';
import type { FormState } from '../http/forms';
import { actor, requireAnyPermission, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { parisDate } from '../shared/dates';
import { parseEurosToCents } from '../shared/money';
import { routes } from '../urls';
import { sendAttachment } from '../http/download';
import { exchangesOf, HISTORY_LABELS, requestPageModel, synthesisModel, type Tab, tabQuery } from './presenter';
import { documentsView } from './filing/routes';
import { householdDocumentOptions } from './instruction/household-ask';

/**
 * Renders the request page on a tab. A rejected instruction form comes back here with its values
 * and errors (`form`), on the tab that holds it; every form of the page reads the same FormState.
 */
export async function renderRequest(services: Services, req: Request, res: Response, tab: Tab, form?: FormState): Promise<void> {
  const { aidRequests, instruction, households, clock, decisions: decisionService } = services;
  const a = actor(req);
  const request = await aidRequests.get(a, String(req.params.id));
  const { check, decisions, payments, events } = await aidRequests.pageData(a, request, tab);
  const pending = decisions.find((d) => d.status === 'pending') ?? null;
  const abilities = aidRequests.abilities(a, request, pending);
  const model = requestPageModel({
    req,
    request,
    tab,
    check,
    pending,
    abilities,
    pendingByMe: pending ? pending.proposedBy === a.userId : null,
    today: parisDate(clock.now()),
    form,
  });
  if (tab === 'synthese') {
    const instructors = abilities.forAssociation ? await instruction.instructors(a) : [];
    model.householdDocumentOptions = householdDocumentOptions;
    model.consentSignatures = await services.consentSignatures.forRequestPage(request); // issue 17: consent signed online (request read above, scoped)
    Object.assign(
      model,
      synthesisModel({ abilities, events, payments, decisions, instructors, chosenKind: (form?.values.kind as string | undefined) || req.query.decision }),
    );
    // the funds a grant would commit on, what each has left (and would have after the amount typed or asked)
    if (abilities.forAssociation && (pending?.kind === 'grant' || abilities.actions.includes('grant'))) {
      const typed = typeof form?.values.amount === 'string' ? parseEurosToCents(form.values.amount) : null;
      Object.assign(model, await decisionService.fundOptions(a, request, typed ?? pending?.amountCents ?? request.requestedCents, [pending?.fundId ?? null]));
    }
  } else if (tab === 'menage') {
    model.household = await households.get(a, request.householdId).catch(() => null);
    model.canOpenHousehold = abilities.canOpenHousehold && model.household !== null;
  } else if (tab === 'pieces') {
    Object.assign(model, await documentsView(services, req, request), { canAddDocuments: abilities.canAddDocuments });
  } else if (tab === 'echanges') {
    Object.assign(model, { exchanges: exchangesOf(events), canMessage: abilities.canMessage, canAnswer: abilities.canAnswer });
  } else if (tab === 'historique') {
    model.history = presentHistory(await aidRequests.history(request), HISTORY_LABELS);
  }
  if (form) res.status(400);
  res.render('aid-requests/show', model);
}

/** The request page and its tabs, and the downloads that hang off it (letters, attachments). */
export function requestPageRoutes(services: Services): Router {
  const router = Router();
  // landlords and instructors, and advisers for the requests of their missions (the service checks which)
  const READ = requireAnyPermission('requests:read', 'requests:read-assigned');
  const { decisions, instruction } = services;

  router.get(routes.request, ...READ, async (req, res) => {
    await renderRequest(services, req, res, tabQuery.parse(req.query).onglet);
  });

  router.get(routes.requestLetter, ...READ, async (req: Request, res) => {
    const file = await decisions.letter(actor(req), String(req.params.id), String(req.params.decisionId));
    sendAttachment(res, file.filename, 'application/pdf', file.data);
  });

  // the whole dossier for the funder's case worker (association only; a traced read)
  router.get(routes.requestDossier, ...requirePermission('requests:instruct'), async (req, res) => {
    const file = await services.requestDossiers.zip(actor(req), String(req.params.id));
    sendAttachment(res, file.fileName, 'application/zip', file.data);
  });

  router.get(routes.requestAttachment, ...READ, async (req, res) => {
    const file = await instruction.attachment(actor(req), String(req.params.id), String(req.params.attachmentId));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  return router;
}
