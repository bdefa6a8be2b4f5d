/** View shaping for the request page: what each tab shows, from what the services return (no rule is decided here). */
import { z } from 'zod';
import { DOCUMENT_KINDS, type DocumentKind } from '../aid-types/rules';
import { emptyForm, type FormState } from '../http/forms';
import type { Request } from 'express';
import { defaultFirstDueDate } from '../payments/schedule';
import { reasonLabel, REJECTION_REASONS } from '../payments/transfers/rejections';
import { formatDate, formatEuros } from '../shared/format';
import { centsToInput } from '../shared/money';
import type { Decision } from './instruction/decisions-repository';
import { DECISION_KINDS, REFUSAL_REASONS } from './instruction/schemas';
import type { AidRequest, RequestEvent } from './repository';
import type { CheckResult } from './filing/checks';
import type { RequestAbilities } from './service';
import { STATUS_LABELS } from './state-machine';
import { nextStep, STEP_LABELS, stepsDone, stepUrl } from './filing/wizard';

export const TABS = {
  synthese: 'Synthèse',
  menage: 'Ménage',
  situation: 'Situation',
  pieces: 'Pièces',
  echanges: 'Échanges',
  historique: 'Historique',
} as const;
export type Tab = keyof typeof TABS;
export const tabQuery = z.object({
  onglet: z
    .enum(Object.keys(TABS) as [Tab, ...Tab[]])
    .catch('synthese')
    .default('synthese'),
});
type DecisionKind = keyof typeof DECISION_KINDS;
/** The decision the operator chose to propose (its form shows that decision's fields only). */
const decisionKind = z
  .enum(Object.keys(DECISION_KINDS) as [DecisionKind, ...DecisionKind[]])
  .optional()
  .catch(undefined);

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));

/** What the request's next step is, in one sentence for the person reading it. */
function nextStepText(r: AidRequest, forAssociation: boolean, pendingByMe: boolean | null): string {
  switch (r.status) {
    case 'draft':
      return 'Compléter le dossier puis le déposer.';
    case 'submitted':
      return forAssociation ? 'À prendre en instruction.' : 'L’association va prendre la demande en instruction.';
    case 'in_review':
      if (pendingByMe === null) return forAssociation ? 'Instruire puis proposer une décision.' : 'L’association instruit la demande.';
      return pendingByMe
        ? 'Votre proposition attend la validation d’un collègue ou d’un administrateur.'
        : 'Une proposition de décision attend une validation.';
    case 'awaiting_information':
      return forAssociation ? 'En attente de la réponse du bailleur.' : 'L’association attend votre réponse : voyez l’onglet Échanges.';
    case 'granted':
      return 'Les versements sont programmés.';
    case 'adjourned':
      return `Ajournée jusqu’au ${formatDate(r.adjournedUntil)}.`;
    default:
      return '';
  }
}

export const HISTORY_LABELS = {
  actions: {
    'request.created': 'Brouillon créé',
    'request.submitted': 'Demande déposée',
    'request.withdrawn': 'Demande retirée',
    'request.assigned': 'Attribution',
    'request.payee_set': 'Bénéficiaire du versement',
    'request.consent_recorded': 'Consentement enregistré',
    // issue 17: the consent signed online (src/e-signature)
    'request.consent_signature_requested': 'Signature en ligne du consentement demandée',
    'request.consent_code_sent': 'Code de signature envoyé au ménage',
    'request.consent_signed': 'Consentement signé électroniquement',
    'request.consent_withdrawn': 'Consentement retiré par le ménage',
    'document.added': 'Pièce ajoutée',
    'document.replaced': 'Pièce remplacée',
    'document.received': 'Fichier reçu, à classer',
    'document.discarded': 'Fichier reçu écarté',
    'request.information_requested': 'Informations demandées',
    'request.household_documents_asked': 'Pièces demandées au ménage',
    'request.information_answered': 'Réponse du bailleur',
    'request.information_reminded': 'Relance automatique',
    'request.message_posted': 'Message',
    'request.note_added': 'Note interne',
    'request.decision_proposed': 'Décision proposée',
    'request.decision_returned': 'Proposition renvoyée',
    'request.decision_withdrawn': 'Proposition retirée par son auteur',
    'request.granted': 'Aide accordée',
    'request.refused': 'Aide refusée',
    'request.adjourned': 'Demande ajournée',
    'request.reopened': 'Instruction reprise',
    'request.closed': 'Demande clôturée',
  },
  fields: {
    status: 'Statut',
    assignedTo: 'Chargé d’instruction',
    reference: 'Référence',
    payeeName: 'Titulaire du compte',
    payeeIban: 'IBAN',
    consentDate: 'Date du consentement',
    grantedCents: 'Montant accordé',
    instalments: 'Échéances',
    reason: 'Motif',
    adjournedUntil: 'Ajournée jusqu’au',
    proposedBy: 'Proposée par',
    validatedBy: 'Validée par',
    kind: 'Pièce',
    decision: 'Décision',
    filename: 'Fichier',
    amountCents: 'Montant proposé',
    comment: 'Commentaire',
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

/** The decision form starts from what the landlord asked: amount, instalments, the 5th of next month. */
function proposalDefaults(r: AidRequest, today: string): Record<string, unknown> {
  return {
    kind: '',
    amount: r.requestedCents ? centsToInput(r.requestedCents) : '',
    instalments: r.requestedMonths ?? 1,
    firstDueDate: defaultFirstDueDate(today),
    reasonCode: '',
    adjournedUntil: '',
    comment: '',
    assignee: '',
    version: r.version,
  };
}

/** What every tab of the request page shows: the request, its checks, the pending proposal, what the actor may do, the form. */
export function requestPageModel(input: {
  req: Request;
  request: AidRequest;
  tab: Tab;
  check: CheckResult;
  pending: Decision | null;
  abilities: RequestAbilities;
  pendingByMe: boolean | null;
  today: string;
  form?: FormState;
}): Record<string, unknown> {
  const { req, request, tab, check, pending, abilities: can, form } = input;
  const defaults = { ...proposalDefaults(request, input.today), version: request.version };
  const model: Record<string, unknown> = {
    request,
    tab,
    tabs: TABS,
    check,
    pending,
    forAssociation: can.forAssociation,
    isLandlord: can.isLandlord,
    isAdviser: can.isAdviser,
    form: form ? { ...form, values: { ...defaults, ...form.values, version: request.version } } : emptyForm(req, defaults),
    actions: can.actions,
    nextStepText: nextStepText(request, can.forAssociation || can.isAdviser, input.pendingByMe),
  };
  if (request.status === 'draft' && can.isLandlord) {
    const step = nextStep(stepsDone(request, check));
    model.resume = { href: stepUrl(step, request.id), label: STEP_LABELS[step] };
  }
  return model;
}

/** The synthesis tab: timeline, payments, decisions and the decision forms. */
export function synthesisModel(input: {
  abilities: RequestAbilities;
  events: RequestEvent[];
  payments: Array<{ status: string; reissuedBy?: string | null }>;
  decisions: Decision[];
  instructors: unknown[];
  chosenKind: unknown;
}): Record<string, unknown> {
  const { abilities: can, payments } = input;
  return {
    events: input.events,
    payments,
    instructors: input.instructors,
    canManagePayments: can.canManagePayments,
    canOwnAccount: can.canOwnAccount,
    rejectionOptions: Object.entries(REJECTION_REASONS).map(([value, text]) => ({ value, text: `${value} — ${text}` })),
    rejectionLabel: reasonLabel,
    hasScheduled: payments.some((p) => p.status === 'scheduled'),
    paymentRejected: payments.some((p) => p.status === 'rejected' && !p.reissuedBy),
    decisions: input.decisions.filter((d) => d.status === 'applied' || (can.forAssociation && d.status === 'returned')),
    canValidate: can.canValidate,
    canWithdrawProposal: can.canWithdrawProposal,
    decisionKind: decisionKind.parse(input.chosenKind),
    kindOptions: options(DECISION_KINDS),
    reasonOptions: options(REFUSAL_REASONS),
  };
}

/** The exchanges tab: messages, information asked and answered, oldest last. */
export const exchangesOf = (events: RequestEvent[]): RequestEvent[] =>
  events.filter((e) => ['message', 'information_request', 'information_answer'].includes(e.kind)).reverse();
