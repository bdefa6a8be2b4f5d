import type { Actor } from '../../permissions/index';
import type { Services } from '../../services';
import { urls } from '../../urls';
import { type CheckResult, rentRequired } from './checks';
import type { AidRequest } from '../repository';
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
    situation: urls.requestSituation,
    aide: urls.requestAmount,
    versement: urls.requestPayee,
    pieces: urls.requestDocuments,
    consentement: urls.requestConsent,
    recapitulatif: urls.requestRecap,
  };
  return map[step](id);
}

/** The first step still to complete (where "Reprendre la saisie" leads). */
export function nextStep(done: Record<FilingStep, boolean>): FilingStep {
  return FILING_STEPS.find((s) => !done[s]) ?? 'recapitulatif';
}

/** Whether each step is complete: what the draft holds is there and none of the step's checks fails. */
export function stepsDone(r: AidRequest, check: CheckResult): Record<FilingStep, boolean> {
  const missing = (code: string) => check.lines.some((l) => l.code === code && l.level !== 'ok');
  const problems = stepProblems(r, check);
  return {
    situation: r.situation.cause !== null && !problems.situation,
    aide: r.requestedCents !== null && !missing('amount_missing') && !problems.aide,
    versement: r.payee !== null && !missing('payee') && !problems.versement,
    pieces: !missing('documents'),
    consentement: r.consent !== null && !problems.consentement,
    recapitulatif: false,
  };
}

/** Steps filled in whose checks fail (9 000 € above the ceiling…): their pill says "à corriger". */
export function stepProblems(r: AidRequest, check: CheckResult): Record<FilingStep, boolean> {
  const failing = (step: FilingStep) => check.lines.some((l) => l.step === step && l.level === 'error');
  return {
    situation: r.situation.cause !== null && failing('situation'),
    aide: r.requestedCents !== null && failing('aide'),
    versement: r.payee !== null && failing('versement'),
    pieces: false,
    consentement: r.consent !== null && failing('consentement'),
    recapitulatif: false,
  };
}

/** What every step page shows around its form: the stepper and the live checks panel. */
export async function wizard(services: Services, actor: Actor, request: AidRequest, current: FilingStep) {
  const [check, rules] = await Promise.all([services.aidRequests.evaluate(actor, request), services.aidRequests.rulesOf(request)]);
  const done = stepsDone(request, check);
  const problems = stepProblems(request, check);
  return {
    request,
    check,
    current,
    rentRequired: rentRequired(rules?.rules ?? null),
    steps: FILING_STEPS.map((step, i) => ({
      step,
      number: i + 1,
      label: STEP_LABELS[step],
      done: done[step],
      problem: problems[step],
      current: step === current,
      href: stepUrl(step, request.id),
    })),
  };
}
