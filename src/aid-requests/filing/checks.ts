import { type AidTypeRef, evaluateEligibility, type Evaluation, type Situation } from '../../aid-types/eligibility';
import type { Rules } from '../../aid-types/rules';
import { formatDate, formatEuros } from '../../shared/format';
import { bicProblem, compactIban, ibanProblem, maskIban } from '../../shared/iban';
import type { Consent, Payee } from '../repository';
import type { FilingStep } from './schemas';
import { type SituationSnapshot, toEligibilitySituation } from './situation';

/** One line of the checks: green, amber or red, with a French sentence and the step where it is fixed. */
export interface CheckLine {
  code: string;
  level: 'ok' | 'warn' | 'error';
  message: string;
  step?: FilingStep;
}

export interface CheckResult {
  lines: CheckLine[];
  evaluation: Evaluation | null;
  /** Lines that stop a submission: what the landlord must still fix or give. */
  blocking: CheckLine[];
}

/** Everything the checks read, gathered by the service; the function itself is pure. */
export interface CheckContext {
  aidType: AidTypeRef;
  rules: Rules | null;
  situation: SituationSnapshot;
  requestedCents: number | null;
  requestedMonths: number | null;
  payee: Payee | null;
  consent: Consent | null;
  today: string;
  landlordActive: boolean;
  previousAids: Situation['previousAids'];
  documents: Situation['documents'];
  householdEntryDate: string | null;
  /** Reference of another open request of this aid for the household, if any. */
  openOther: string | null;
  /** Requests of other households paid to the same IBAN: shown to the association only. */
  sameIban: Array<{ reference: string | null; organisationName: string }> | null;
  /**
   * The landlord's registered bank account (payments to the landlord go to its confirmed account,
   * whatever is typed on the request): its confirmed IBAN and the change waiting for a check.
   */
  landlordAccount?: { confirmedIban: string | null; pendingIban: string | null } | null;
  /** This request's own grant once decided: the 12-month counts include it ("celle-ci comprise"). */
  ownGrant?: Situation['ownGrant'];
}

/** A rent aid (paid with the rent each month, or conditioned on the effort rate) cannot be assessed without the rent. */
export function rentRequired(rules: Rules | null): boolean {
  return rules !== null && (rules.monthly || rules.eligibility.minEffortRateBp !== null);
}

/** Red or amber lines with these codes stop a submission. */
const BLOCKING = new Set(['rent_missing', 'ceiling', 'months', 'rolling_ceiling', 'version', 'documents', 'amount_missing', 'payee', 'consent']);

const STEP_OF: Record<string, FilingStep> = {
  ceiling: 'aide',
  months: 'aide',
  rolling_ceiling: 'aide',
  amount_missing: 'aide',
  frequency: 'aide',
  rent_missing: 'situation',
  effort_rate: 'situation',
  remaining_income: 'situation',
  charges_increase: 'situation',
  private_sector: 'situation',
  arrears: 'situation',
  arrears_duration: 'situation',
  payee: 'versement',
  payee_account: 'versement',
  same_iban: 'versement',
  documents: 'pieces',
  consent: 'consentement',
};

/**
 * A landlord is paid on its registered account: an IBAN typed on the request is used only when it
 * is that account, so any other one is said plainly (and stops the submission), never shown as valid.
 */
function landlordAccountCheck(
  add: (code: string, level: CheckLine['level'], message: string) => void,
  payee: Payee,
  account: { confirmedIban: string | null; pendingIban: string | null },
): void {
  const typed = compactIban(payee.iban);
  const { confirmedIban: confirmed, pendingIban: pending } = account;
  if (confirmed && typed === confirmed) return add('payee', 'ok', `Versement à ${payee.name}, sur le compte confirmé du bailleur : IBAN valide`);
  if (typed === pending) {
    return add(
      'payee_account',
      'warn',
      confirmed
        ? `Cet IBAN attend la vérification de l’association : d’ici là, les versements iront sur le compte confirmé du bailleur (IBAN ${maskIban(confirmed)})`
        : 'Cet IBAN attend la vérification de l’association : aucun versement avant qu’elle l’ait vérifié',
    );
  }
  if (confirmed) {
    return add(
      'payee',
      'error',
      `Cet IBAN (${maskIban(typed)}) diffère du compte confirmé du bailleur (IBAN ${maskIban(confirmed)}) : il ne sera pas utilisé, les versements iront sur le compte confirmé. Reprenez le compte confirmé ; pour changer de compte, l’administrateur du bailleur le déclare avec son RIB dans « Comptes bancaires »`,
    );
  }
  if (pending) {
    return add(
      'payee',
      'error',
      `Cet IBAN (${maskIban(typed)}) diffère du compte déclaré par le bailleur, en attente de vérification (IBAN ${maskIban(pending)}) : il ne sera pas utilisé. Reprenez le compte déclaré, ou faites-le changer dans « Comptes bancaires »`,
    );
  }
  add('payee', 'ok', `Versement à ${payee.name} : IBAN valide`);
}

/** Months between two dates "AAAA-MM-JJ" (whole months, rounded down). */
function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

/**
 * The eligibility rules of the aid plus the coherence checks of the file: amounts, arrears vs
 * rent, dates, payee and IBAN, documents, consent, another open request, the same IBAN elsewhere.
 * One function, used while typing, on the recap, at submission and by the instructing operator.
 */
export function buildChecks(c: CheckContext): CheckResult {
  const lines: CheckLine[] = [];
  const add = (code: string, level: CheckLine['level'], message: string) => lines.push({ code, level, message, step: STEP_OF[code] });
  let evaluation: Evaluation | null = null;
  const s = c.situation;

  if (!c.rules) {
    add('version', 'error', 'Cette aide n’est pas en vigueur aujourd’hui');
  } else {
    if (rentRequired(c.rules) && !(s.rentCents > 0)) add('rent_missing', 'error', 'Indiquez le loyer mensuel : cette aide en dépend');
    evaluation = evaluateEligibility(
      c.aidType,
      c.rules,
      toEligibilitySituation(s, {
        today: c.today,
        landlordActive: c.landlordActive,
        requestedCents: c.requestedCents,
        requestedMonths: c.requestedMonths,
        previousAids: c.previousAids,
        documents: c.documents,
        ownGrant: c.ownGrant ?? null,
      }),
    );
    for (const check of evaluation.checks) add(check.code, check.ok ? 'ok' : 'error', check.message);
    if (c.requestedCents === null) add('amount_missing', 'warn', 'Indiquez le montant demandé');
    else if (c.rules.monthly && c.requestedMonths === null) add('amount_missing', 'warn', 'Indiquez le nombre de mensualités');
  }

  const monthly = s.rentCents + s.chargesCents;
  if (s.arrearsCents > 0 && s.arrearsMonths && monthly > 0 && s.arrearsCents > s.arrearsMonths * monthly) {
    add(
      'arrears',
      'warn',
      `La dette (${formatEuros(s.arrearsCents)}) dépasse ${s.arrearsMonths} mois de loyer et charges (${formatEuros(s.arrearsMonths * monthly)}) : vérifiez les montants`,
    );
  } else if (s.arrearsCents > 0 && !s.arrearsMonths) {
    add('arrears', 'warn', 'Indiquez depuis combien de mois le loyer est impayé');
  }
  if (c.householdEntryDate && s.arrearsMonths && s.arrearsMonths > monthsBetween(c.householdEntryDate, c.today) + 1) {
    add(
      'arrears_duration',
      'warn',
      `${s.arrearsMonths} mois d’impayés, mais le ménage est entré dans le logement le ${formatDate(c.householdEntryDate)} : vérifiez les dates`,
    );
  }

  if (!c.payee) {
    add('payee', 'warn', 'Indiquez qui reçoit le versement et ses coordonnées bancaires');
  } else {
    const problem = ibanProblem(c.payee.iban) ?? (c.payee.bic ? bicProblem(c.payee.bic) : null);
    if (problem) add('payee', 'error', problem);
    else if (!c.payee.name.trim()) add('payee', 'error', 'Saisissez le nom du titulaire du compte');
    else if (c.payee.kind === 'landlord' && c.landlordAccount) landlordAccountCheck(add, c.payee, c.landlordAccount);
    else add('payee', 'ok', `Versement à ${c.payee.name} : IBAN valide`);
  }
  if (c.sameIban && c.sameIban.length > 0 && c.payee && c.payee.kind !== 'landlord') {
    const refs = c.sameIban.map((x) => `${x.reference ?? 'brouillon'} (${x.organisationName})`).join(', ');
    add('same_iban', 'warn', `Le même IBAN reçoit déjà des aides pour d’autres ménages : ${refs}. Vérifiez le titulaire du compte`);
  }

  if (!c.consent) add('consent', 'warn', 'Recueillez le consentement du locataire avant de déposer la demande');
  else if (c.consent.date > c.today) add('consent', 'error', 'La date du consentement ne peut pas être dans le futur');
  else add('consent', 'ok', `Consentement du locataire recueilli le ${formatDate(c.consent.date)}`);

  if (c.openOther) add('open_request', 'warn', `Une autre demande de cette aide est déjà ouverte pour ce ménage (${c.openOther})`);

  return { lines, evaluation, blocking: lines.filter((l) => l.level !== 'ok' && BLOCKING.has(l.code)) };
}
