import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { presentHistory } from '../audit/presenter';
import { DOCUMENT_KINDS, type DocumentKind, PAYEE_KINDS } from '../aid-types/rules';
import { emptyForm, type FormState } from '../http/forms';
import { actor, requireAnyPermission } from '../http/guards';
import { can } from '../permissions';
import { defaultFirstDueDate } from '../payments/schedule';
import type { Services } from '../services';
import { parisDate } from '../shared/dates';
import { formatDate, formatEuros } from '../shared/format';
import { centsToInput } from '../shared/money';
import { routes } from '../urls';
import { DECISION_KINDS, REFUSAL_REASONS } from './instruction-schemas';
import { reasonLabel, REJECTION_REASONS } from '../payments/rejections';
import type { AidRequest } from './repository';
import { sendAttachment } from '../http/download';
import { documentsView } from './routes';
import { CAUSES, CONSENT_METHODS } from './schemas';
import { availableActions, STATUS_LABELS } from './state-machine';
import { nextStep, STEP_LABELS, stepsDone, stepUrl } from './wizard';

export const TABS = { synthese: 'Synthèse', menage: 'Ménage', situation: 'Situation', pieces: 'Pièces', echanges: 'Échanges', historique: 'Historique' } as const;
export type Tab = keyof typeof TABS;
const tabQuery = z.object({ onglet: z.enum(Object.keys(TABS) as [Tab, ...Tab[]]).catch('synthese').default('synthese') });
type DecisionKind = keyof typeof DECISION_KINDS;
/** The decision the operator chose to propose (its form shows that decision's fields only). */
const decisionKind = z.enum(Object.keys(DECISION_KINDS) as [DecisionKind, ...DecisionKind[]]).optional().catch(undefined);

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));

/** What the request's next step is, in one sentence for the person reading it. */
function nextStepText(r: AidRequest, forAssociation: boolean, pendingByMe: boolean | null): string {
  switch (r.status) {
    case 'draft': return 'Compléter le dossier puis le déposer.';
    case 'submitted': return forAssociation ? 'À prendre en instruction.' : 'L’association va prendre la demande en instruction.';
    case 'in_review':
      if (pendingByMe === null) return forAssociation ? 'Instruire puis proposer une décision.' : 'L’association instruit la demande.';
      return pendingByMe ? 'Votre proposition attend la validation d’un collègue ou d’un administrateur.' : 'Une proposition de décision attend une validation.';
    case 'awaiting_information': return forAssociation ? 'En attente de la réponse du bailleur.' : 'L’association attend votre réponse : voyez l’onglet Échanges.';
    case 'granted': return 'Les versements sont programmés.';
    case 'adjourned': return `Ajournée jusqu’au ${formatDate(r.adjournedUntil)}.`;
    default: return '';
  }
}

const HISTORY_LABELS = {
  actions: {
    'request.created': 'Brouillon créé', 'request.submitted': 'Demande déposée', 'request.withdrawn': 'Demande retirée', 'request.assigned': 'Attribution',
    'request.payee_set': 'Bénéficiaire du versement', 'request.consent_recorded': 'Consentement enregistré', 'document.added': 'Pièce ajoutée', 'document.replaced': 'Pièce remplacée', 'document.received': 'Fichier reçu, à classer', 'document.discarded': 'Fichier reçu écarté',
    'request.information_requested': 'Informations demandées', 'request.information_answered': 'Réponse du bailleur', 'request.information_reminded': 'Relance automatique',
    'request.message_posted': 'Message', 'request.note_added': 'Note interne', 'request.decision_proposed': 'Décision proposée', 'request.decision_returned': 'Proposition renvoyée', 'request.decision_withdrawn': 'Proposition retirée par son auteur',
    'request.granted': 'Aide accordée', 'request.refused': 'Aide refusée', 'request.adjourned': 'Demande ajournée', 'request.reopened': 'Instruction reprise', 'request.closed': 'Demande clôturée',
  },
  fields: {
    status: 'Statut', assignedTo: 'Chargé d’instruction', reference: 'Référence', payeeName: 'Titulaire du compte', payeeIban: 'IBAN', consentDate: 'Date du consentement',
    grantedCents: 'Montant accordé', instalments: 'Échéances', reason: 'Motif', adjournedUntil: 'Ajournée jusqu’au', proposedBy: 'Proposée par', validatedBy: 'Validée par',
    kind: 'Pièce', decision: 'Décision', filename: 'Fichier', amountCents: 'Montant proposé', comment: 'Commentaire',
  },
  value: (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return '—';
    if (field === 'status') return STATUS_LABELS[value as keyof typeof STATUS_LABELS] ?? String(value);
    if (field === 'grantedCents' || field === 'amountCents') return formatEuros(value);
    if (field === 'payeeIban') return `${String(value).slice(0, 4)}…${String(value).slice(-4)}`;
    if (field === 'consentDate' || field === 'adjournedUntil') return formatDate(value);
    if (field === 'kind') return DOCUMENT_KINDS[value as DocumentKind] ?? String(value);
    if (field === 'decision') return DECISION_KINDS[value as keyof typeof DECISION_KINDS] ?? String(value);
    if (field === 'reason') return REFUSAL_REASONS[value as keyof typeof REFUSAL_REASONS] ?? String(value);
    return String(value);
  },
};

/**
 * Renders the request page on a tab. A rejected instruction form comes back here with its values
 * and errors (`form`), on the tab that holds it; every form of the page reads the same FormState.
 */
export async function renderRequest(services: Services, req: Request, res: Response, tab: Tab, form?: FormState): Promise<void> {
  const { aidRequests, instruction, households, clock } = services;
  const a = actor(req);
  const request = await aidRequests.get(a, String(req.params.id));
  const forAssociation = can(a, 'requests:instruct');
  const data = await aidRequests.pageData(a, request, tab);
  const { check, decisions: allDecisions, payments, events } = data;
  const pending = allDecisions.find((d) => d.status === 'pending') ?? null;
  const isLandlord = can(a, 'requests:file');
  // an adviser reads the request of its mission: no instruction tools, the association's wording
  const isAdviser = !forAssociation && !isLandlord;
  const defaults = { ...proposalDefaults(request, parisDate(clock.now())), version: request.version };
  const model: Record<string, unknown> = {
    request, tab, tabs: TABS, check, pending, forAssociation, isLandlord, isAdviser,
    form: form ? { ...form, values: { ...defaults, ...form.values, version: request.version } } : emptyForm(req, defaults),
    actions: availableActions(a.role, request.status).map((x) => x.action),
    statusLabels: STATUS_LABELS, causes: CAUSES, consentMethods: CONSENT_METHODS, payeeKinds: PAYEE_KINDS, refusalReasons: REFUSAL_REASONS, decisionKinds: DECISION_KINDS,
    nextStepText: nextStepText(request, forAssociation || isAdviser, pending ? pending.proposedBy === a.userId : null),
  };
  if (request.status === 'draft' && isLandlord) {
    const step = nextStep(stepsDone(request, check));
    model.resume = { href: stepUrl(step, request.id), label: STEP_LABELS[step] };
  }
  if (tab === 'synthese') {
    const instructors = forAssociation ? await instruction.instructors(a) : [];
    Object.assign(model, {
      events, payments, instructors,
      canManagePayments: can(a, 'payments:manage'), canOwnAccount: can(a, 'bank-accounts:own'),
      rejectionOptions: Object.entries(REJECTION_REASONS).map(([value, text]) => ({ value, text: `${value} — ${text}` })), rejectionLabel: reasonLabel,
      hasScheduled: payments.some((p) => p.status === 'scheduled'),
      paymentRejected: payments.some((p) => p.status === 'rejected' && !p.reissuedBy),
      decisions: allDecisions.filter((d) => d.status === 'applied' || (forAssociation && d.status === 'returned')),
      canValidate: forAssociation && pending !== null && pending.proposedBy !== a.userId,
      canWithdrawProposal: forAssociation && pending !== null && pending.proposedBy === a.userId,
      decisionKind: decisionKind.parse((form?.values.kind as string | undefined) || req.query.decision),
      kindOptions: options(DECISION_KINDS),
      reasonOptions: options(REFUSAL_REASONS),
    });
  } else if (tab === 'menage') {
    model.household = await households.get(a, request.householdId).catch(() => null);
    model.canOpenHousehold = (can(a, 'households:read') || can(a, 'households:read-assigned')) && model.household !== null;
  } else if (tab === 'pieces') {
    Object.assign(model, await documentsView(services, req, request), { canAddDocuments: isLandlord && ['draft', 'awaiting_information'].includes(request.status) });
  } else if (tab === 'echanges') {
    model.exchanges = events.filter((e) => ['message', 'information_request', 'information_answer'].includes(e.kind)).reverse();
    model.canMessage = can(a, 'requests:message') && request.status !== 'draft';
    model.canAnswer = isLandlord && request.status === 'awaiting_information';
  } else if (tab === 'historique') {
    model.history = presentHistory(await services.audit.history(services.knex, 'aid_request', request.id), HISTORY_LABELS);
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

  router.get(routes.requestAttachment, ...READ, async (req, res) => {
    const file = await instruction.attachment(actor(req), String(req.params.id), String(req.params.attachmentId));
    sendAttachment(res, file.filename, file.contentType, file.data);
  });

  return router;
}

/** The decision form starts from what the landlord asked: amount, instalments, the 5th of next month. */
function proposalDefaults(r: AidRequest, today: string): Record<string, unknown> {
  return {
    kind: '', amount: r.requestedCents ? centsToInput(r.requestedCents) : '', instalments: r.requestedMonths ?? 1, firstDueDate: defaultFirstDueDate(today),
    reasonCode: '', adjournedUntil: '', comment: '', assignee: '', version: r.version,
  };
}
