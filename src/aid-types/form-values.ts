import { centsToInput } from '../shared/money';
import type { AidType } from './repository';
import { DOCUMENT_KIND_CODES, type Rules } from './rules';

const amount = (c: number | null | undefined) => (c ? centsToInput(c) : '');
const percent = (bp: number | null) => (bp === null ? '' : centsToInput(bp).replace(/,00$/, ''));

/** A version form prefilled from existing rules (a new version starts from the one in force). */
export function rulesValues(r: Rules): Record<string, unknown> {
  const docs = Object.fromEntries(
    DOCUMENT_KIND_CODES.map((k) => {
      const d = r.documents.find((x) => x.kind === k);
      return [`doc_${k}`, d ? (d.mandatory ? 'mandatory' : 'optional') : 'none'];
    }),
  );
  return {
    ceiling: amount(r.ceilingCents),
    monthly: r.monthly,
    maxMonths: r.maxMonths ?? '',
    minInstalments: r.minInstalments ?? '',
    maxInstalments: r.maxInstalments ?? '',
    rollingCeiling: amount(r.rollingCeilingCents),
    frequencyMaxCount: r.frequency?.maxCount ?? '',
    frequencyMonths: r.frequency?.months ?? '',
    frequencyScope: r.frequency?.scope ?? 'type',
    requirePrivateSectorEmployee: r.eligibility.requirePrivateSectorEmployee,
    requireActiveLandlord: r.eligibility.requireActiveLandlord,
    minEffortRate: percent(r.eligibility.minEffortRateBp),
    maxRemainingIncome: amount(r.eligibility.maxRemainingIncomePerPersonPerDayCents),
    chargesMinMonthlyIncrease: amount(r.eligibility.chargesIncrease?.minMonthlyIncreaseCents),
    chargesMinRegularisation: amount(r.eligibility.chargesIncrease?.minRegularisationCents),
    expenseAccount: r.accounting.expenseAccount,
    thirdPartyAccount: r.accounting.thirdPartyAccount,
    ...docs,
  };
}

export const typeValues = (t: AidType) => ({
  label: t.label,
  description: t.description,
  payees: t.payees,
  groupCode: t.groupCode ?? '',
  validationThreshold: t.validationThresholdCents === null ? '' : centsToInput(t.validationThresholdCents),
  status: t.status,
  version: t.version,
});
