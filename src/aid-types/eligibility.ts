import { formatBasisPoints, formatDate, formatEuros } from '../shared/format';
import type { EmploymentStatus } from '../households/labels';
import { DOCUMENT_KINDS, type DocumentKind, type Rules } from './rules';

/** What the rules look at: the household's situation, the request, and the aids already granted. */
export interface Situation {
  today: string;
  rentCents: number;
  chargesCents: number;
  housingAllowanceCents: number;
  /** Monthly resources of every member, the housing allowance excluded. */
  resourcesCents: number;
  /** Declared fixed monthly charges (loans, insurance, childcare…). */
  fixedChargesCents: number;
  personCount: number;
  members: Array<{ employmentStatus: EmploymentStatus }>;
  landlordActive: boolean;
  requestedCents?: number | null;
  requestedMonths?: number | null;
  chargesIncreaseMonthlyCents?: number | null;
  chargesRegularisationCents?: number | null;
  /** Kinds of documents already attached, when known. */
  documents?: DocumentKind[];
  /** Aids granted to this household (all landlords), for rolling ceilings and frequency limits. */
  previousAids: Array<{ aidTypeCode: string; groupCode: string | null; grantedOn: string; amountCents: number }>;
  /**
   * The grant of the request evaluated, once decided (not in `previousAids`): counted with the
   * others, with its granted amount, so that the checks after the grant say "celle-ci comprise".
   */
  ownGrant?: { grantedOn: string; amountCents: number } | null;
}

/** "Aucune aide", "1 aide", "2 aides" … of this type. */
function aidCount(n: number): string {
  return n === 0 ? 'Aucune aide de ce type accordée' : `${n} aide${n > 1 ? 's' : ''} de ce type accordée${n > 1 ? 's' : ''}`;
}

export interface AidTypeRef {
  code: string;
  groupCode: string | null;
}

export interface Check {
  code: string;
  ok: boolean;
  message: string;
  value?: string;
  threshold?: string;
}

export interface Evaluation {
  eligible: boolean;
  checks: Check[];
  effortRateBp: number | null;
  remainingIncomePerPersonPerDayCents: number | null;
}

/** Rent actually paid by the household: rent + charges − housing allowance (never below 0). */
export function residualRentCents(s: Pick<Situation, 'rentCents' | 'chargesCents' | 'housingAllowanceCents'>): number {
  return Math.max(0, s.rentCents + s.chargesCents - s.housingAllowanceCents);
}

/** Effort rate = (rent + charges − housing allowance) / resources, in basis points; null without resources. */
export function effortRateBp(s: Pick<Situation, 'rentCents' | 'chargesCents' | 'housingAllowanceCents' | 'resourcesCents'>): number | null {
  if (s.resourcesCents <= 0) return null;
  return Math.round((residualRentCents(s) * 10000) / s.resourcesCents);
}

/**
 * Remaining income per person per day ("reste à vivre") = (resources other than the housing
 * allowance − (rent + charges − housing allowance) − declared fixed charges) / persons / 30,
 * in cents, rounded down. Computed here only, everywhere.
 */
export function remainingIncomePerPersonPerDayCents(
  s: Pick<Situation, 'rentCents' | 'chargesCents' | 'housingAllowanceCents' | 'resourcesCents' | 'fixedChargesCents' | 'personCount'>,
): number | null {
  if (s.personCount <= 0) return null;
  const monthly = s.resourcesCents - residualRentCents(s) - s.fixedChargesCents;
  return Math.floor(monthly / s.personCount / 30);
}

export const REMAINING_INCOME_FORMULA =
  '(ressources mensuelles hors aide au logement − (loyer + charges − aide au logement) − charges fixes déclarées) ÷ nombre de personnes ÷ 30';
export const EFFORT_RATE_FORMULA = '(loyer + charges − aide au logement) ÷ ressources mensuelles';

/** The date `months` months before `date` ("2026-11-23", 12 → "2025-11-23"). */
export function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/**
 * Evaluates an aid type version's rules against a situation: one check per rule that applies,
 * each with a French sentence, the value and the threshold. Pure: no database, no clock.
 */
export function evaluateEligibility(aidType: AidTypeRef, rules: Rules, s: Situation): Evaluation {
  const checks: Check[] = [];
  const add = (code: string, ok: boolean, message: string, value?: string, threshold?: string) => checks.push({ code, ok, message, value, threshold });
  const effort = effortRateBp(s);
  const remaining = remainingIncomePerPersonPerDayCents(s);
  const requested = s.requestedCents ?? null;

  if (rules.ceilingCents !== null && requested !== null) {
    const ok = requested <= rules.ceilingCents;
    add(
      'ceiling',
      ok,
      ok
        ? `Le montant demandé respecte le plafond de l’aide (${formatEuros(rules.ceilingCents)})`
        : `Le montant dépasse le plafond de l’aide : ${formatEuros(rules.ceilingCents)}`,
      formatEuros(requested),
      formatEuros(rules.ceilingCents),
    );
  }
  if (rules.monthly && s.requestedMonths != null) {
    const months = s.requestedMonths;
    const max = rules.maxMonths ?? rules.maxInstalments;
    const min = rules.minInstalments ?? 1;
    if (max !== null) {
      const ok = months >= min && months <= max;
      add(
        'months',
        ok,
        ok ? `${months} mensualité${months > 1 ? 's' : ''}, dans la limite de ${max}` : `Le nombre de mensualités doit être compris entre ${min} et ${max}`,
        String(months),
        `${min} à ${max}`,
      );
    }
  }
  const own = s.ownGrant ?? null;
  if (rules.rollingCeilingCents !== null && (requested !== null || own)) {
    const since = monthsBefore(s.today, 12);
    const others = s.previousAids.filter((a) => a.aidTypeCode === aidType.code && a.grantedOn > since).reduce((sum, a) => sum + a.amountCents, 0);
    if (own) {
      // decided: this grant is one of the aids of the period, counted once with its granted amount
      const granted = others + (own.grantedOn > since ? own.amountCents : 0);
      const ok = granted <= rules.rollingCeilingCents;
      add(
        'rolling_ceiling',
        ok,
        ok
          ? `Avec les aides accordées depuis le ${formatDate(since)} (${formatEuros(granted)}, celle-ci comprise), le plafond sur 12 mois glissants est respecté`
          : `Le plafond sur 12 mois glissants (${formatEuros(rules.rollingCeilingCents)}) est dépassé : ${formatEuros(granted)} accordés depuis le ${formatDate(since)}, celle-ci comprise`,
        formatEuros(granted),
        formatEuros(rules.rollingCeilingCents),
      );
    } else if (requested !== null) {
      const ok = others + requested <= rules.rollingCeilingCents;
      add(
        'rolling_ceiling',
        ok,
        ok
          ? `Avec les aides accordées depuis le ${formatDate(since)} (${formatEuros(others)}), le plafond sur 12 mois glissants est respecté`
          : `Le plafond sur 12 mois glissants (${formatEuros(rules.rollingCeilingCents)}) serait dépassé : ${formatEuros(others)} déjà accordés depuis le ${formatDate(since)}`,
        formatEuros(others + requested),
        formatEuros(rules.rollingCeilingCents),
      );
    }
  }
  if (rules.frequency) {
    const { maxCount, months, scope } = rules.frequency;
    const since = monthsBefore(s.today, months);
    const same = (a: Situation['previousAids'][number]) =>
      scope === 'group' && aidType.groupCode ? a.groupCode === aidType.groupCode : a.aidTypeCode === aidType.code;
    const n = s.previousAids.filter((a) => same(a) && a.grantedOn > since).length;
    if (own && own.grantedOn > since) {
      // decided: this grant counts among the aids of the period
      const ok = n + 1 <= maxCount;
      add(
        'frequency',
        ok,
        ok
          ? `${aidCount(n + 1)} sur les ${months} derniers mois, celle-ci comprise (au plus ${maxCount})`
          : `Avec celle-ci, ce ménage a reçu ${n + 1} aides de ce type sur les ${months} derniers mois : au plus ${maxCount}`,
        String(n + 1),
        `≤ ${maxCount}`,
      );
    } else {
      const ok = n < maxCount;
      add(
        'frequency',
        ok,
        ok
          ? `${aidCount(n)} sur les ${months} derniers mois (au plus ${maxCount})`
          : `Ce ménage a déjà reçu ${n} aide${n > 1 ? 's' : ''} de ce type sur les ${months} derniers mois : au plus ${maxCount}`,
        String(n),
        `< ${maxCount}`,
      );
    }
  }
  const e = rules.eligibility;
  if (e.requirePrivateSectorEmployee) {
    const ok = s.members.some((m) => m.employmentStatus === 'private_employee');
    add(
      'private_sector',
      ok,
      ok
        ? 'Au moins une personne du ménage est salariée du secteur privé'
        : 'L’aide est réservée aux ménages dont au moins une personne est salariée du secteur privé',
    );
  }
  if (e.requireActiveLandlord) {
    add('landlord_active', s.landlordActive, s.landlordActive ? 'Le bailleur est adhérent actif' : 'Le bailleur n’est pas un adhérent actif de l’association');
  }
  if (e.minEffortRateBp !== null) {
    // compared exactly (cross-multiplied), not on the rounded rate shown
    const ok = effort === null || residualRentCents(s) * 10000 > e.minEffortRateBp * s.resourcesCents;
    add(
      'effort_rate',
      ok,
      effort === null
        ? 'Taux d’effort non calculable : aucune ressource déclarée'
        : ok
          ? `Taux d’effort de ${formatBasisPoints(effort)}, supérieur au seuil de ${formatBasisPoints(e.minEffortRateBp)} : ${EFFORT_RATE_FORMULA}`
          : `Le taux d’effort (${formatBasisPoints(effort)}) doit être supérieur à ${formatBasisPoints(e.minEffortRateBp)} : ${EFFORT_RATE_FORMULA}`,
      effort === null ? undefined : formatBasisPoints(effort),
      `> ${formatBasisPoints(e.minEffortRateBp)}`,
    );
  }
  if (e.maxRemainingIncomePerPersonPerDayCents !== null && remaining !== null) {
    const ok = remaining < e.maxRemainingIncomePerPersonPerDayCents;
    add(
      'remaining_income',
      ok,
      ok
        ? `Reste à vivre de ${formatEuros(remaining)} par personne et par jour, sous le seuil de ${formatEuros(e.maxRemainingIncomePerPersonPerDayCents)} : ${REMAINING_INCOME_FORMULA}`
        : `Le reste à vivre (${formatEuros(remaining)} par personne et par jour) n’est pas inférieur au seuil de ${formatEuros(e.maxRemainingIncomePerPersonPerDayCents)} : ${REMAINING_INCOME_FORMULA}`,
      formatEuros(remaining),
      `< ${formatEuros(e.maxRemainingIncomePerPersonPerDayCents)}`,
    );
  }
  if (e.chargesIncrease) {
    const inc = s.chargesIncreaseMonthlyCents ?? 0;
    const reg = s.chargesRegularisationCents ?? 0;
    const ok = inc > e.chargesIncrease.minMonthlyIncreaseCents || reg > e.chargesIncrease.minRegularisationCents;
    add(
      'charges_increase',
      ok,
      ok
        ? 'La hausse des charges ou la régularisation dépasse le seuil de l’aide'
        : `Il faut une hausse des charges de plus de ${formatEuros(e.chargesIncrease.minMonthlyIncreaseCents)} par mois ou une régularisation de plus de ${formatEuros(e.chargesIncrease.minRegularisationCents)} sur les 12 derniers mois`,
      `${formatEuros(inc)} / mois, ${formatEuros(reg)} de régularisation`,
      `> ${formatEuros(e.chargesIncrease.minMonthlyIncreaseCents)} / mois ou > ${formatEuros(e.chargesIncrease.minRegularisationCents)}`,
    );
  }
  if (s.documents) {
    const missing = rules.documents.filter((d) => d.mandatory && !s.documents?.includes(d.kind)).map((d) => DOCUMENT_KINDS[d.kind]);
    add(
      'documents',
      missing.length === 0,
      missing.length === 0 ? 'Toutes les pièces obligatoires sont jointes' : `Pièces obligatoires manquantes : ${missing.join(', ')}`,
    );
  }
  return { eligible: checks.every((c) => c.ok), checks, effortRateBp: effort, remainingIncomePerPersonPerDayCents: remaining };
}
