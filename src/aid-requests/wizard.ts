import type { Actor } from '../permissions';
import type { Services } from '../services';
import { urls } from '../urls';
import type { CheckResult } from './checks';
import type { AidRequest } from './repository';
import { FILING_STEPS, type FilingStep } from './schemas';

export const STEP_LABELS: Record<FilingStep, string> = {
  situation: 'Situation du ménage',
  aide: 'Aide demandée',
  versement: 'Versement',
  pieces: 'Pièces justificatives',
  consentement: 'Consentement',
  recapitulatif: 'Récapitulatif et dépôt',
};

export function stepUrl(step: FilingStep, id: string): string {
  const map: Record<FilingStep, (id: string) => string> = {
    situation: urls.requestSituation, aide: urls.requestAmount, versement: urls.requestPayee, pieces: urls.requestDocuments, consentement: urls.requestConsent, recapitulatif: urls.requestRecap,
  };
  return map[step](id);
}

/** The first step still to complete (where "Reprendre la saisie" leads). */
export function nextStep(done: Record<FilingStep, boolean>): FilingStep {
  return FILING_STEPS.find((s) => !done[s]) ?? 'recapitulatif';
}

/** Whether each step is complete, from what the draft holds and its checks. */
export function stepsDone(r: AidRequest, check: CheckResult): Record<FilingStep, boolean> {
  const missing = (code: string) => check.lines.some((l) => l.code === code && l.level !== 'ok');
  return {
    situation: r.situation.cause !== null,
    aide: r.requestedCents !== null && !missing('amount_missing'),
    versement: r.payee !== null && !missing('payee'),
    pieces: !missing('documents'),
    consentement: r.consent !== null,
    recapitulatif: false,
  };
}

/** What every step page shows around its form: the stepper and the live checks panel. */
export async function wizard(services: Services, actor: Actor, request: AidRequest, current: FilingStep) {
  const check = await services.aidRequests.evaluate(actor, request);
  const done = stepsDone(request, check);
  return {
    request,
    check,
    current,
    steps: FILING_STEPS.map((step, i) => ({ step, number: i + 1, label: STEP_LABELS[step], done: done[step], current: step === current, href: stepUrl(step, request.id) })),
  };
}
