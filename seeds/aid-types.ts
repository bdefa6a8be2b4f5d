import type { PayeeKind, Rules } from '../src/aid-types/rules';

/**
 * The demo aid catalogue: three realistic aid types with their rules as data. The figures are
 * configurable examples, not the funder's official ones.
 */
export interface DemoAidType {
  code: string;
  label: string;
  description: string;
  payees: PayeeKind[];
  groupCode: string | null;
  /** Above this amount a decision needs a second person's validation. */
  validationThresholdCents: number | null;
  versions: Array<{ effectiveFrom: string; rules: Rules; notes: string }>;
}

const accounting = { expenseAccount: '6571', thirdPartyAccount: '4672' };

const rentAid = (ceilingCents: number): Rules => ({
  ceilingCents,
  monthly: true,
  maxMonths: 6,
  minInstalments: 1,
  maxInstalments: 6,
  rollingCeilingCents: ceilingCents,
  frequency: { maxCount: 1, months: 12, scope: 'type' },
  eligibility: {
    requirePrivateSectorEmployee: true,
    requireActiveLandlord: true,
    minEffortRateBp: 3000,
    maxRemainingIncomePerPersonPerDayCents: null,
    chargesIncrease: null,
  },
  documents: [
    { kind: 'rent_receipt', mandatory: true },
    { kind: 'payslips', mandatory: true },
    { kind: 'tax_notice', mandatory: true },
    { kind: 'caf_certificate', mandatory: false },
  ],
  accounting,
});

export const DEMO_AID_TYPES: DemoAidType[] = [
  {
    code: 'AQ',
    label: 'Aide sur quittance',
    description:
      'Prise en charge d’une partie du loyer, versée chaque mois au bailleur, pour un salarié du secteur privé qui traverse une baisse de ressources.',
    payees: ['landlord'],
    groupCode: 'loyer',
    validationThresholdCents: 150000,
    versions: [
      { effectiveFrom: '2025-01-01', rules: rentAid(250000), notes: 'Barème 2025 : plafond de 2 500 € par demande.' },
      { effectiveFrom: '2026-01-01', rules: rentAid(300000), notes: 'Barème 2026 : plafond porté à 3 000 €, jusqu’à 6 mensualités.' },
    ],
  },
  {
    code: 'AE',
    label: 'Aide énergie',
    description: 'Aide ponctuelle aux locataires du parc social, salariés ou non, dont les charges d’énergie ont fortement augmenté.',
    payees: ['landlord', 'supplier'],
    groupCode: 'energie',
    validationThresholdCents: 40000,
    versions: [
      {
        effectiveFrom: '2026-01-01',
        rules: {
          ceilingCents: 60000,
          monthly: false,
          maxMonths: null,
          minInstalments: null,
          maxInstalments: null,
          rollingCeilingCents: null,
          frequency: { maxCount: 2, months: 36, scope: 'group' },
          eligibility: {
            requirePrivateSectorEmployee: false,
            requireActiveLandlord: true,
            minEffortRateBp: null,
            maxRemainingIncomePerPersonPerDayCents: 1500,
            chargesIncrease: { minMonthlyIncreaseCents: 10000, minRegularisationCents: 100000 },
          },
          documents: [
            { kind: 'charges_statement', mandatory: true },
            { kind: 'energy_bill', mandatory: false },
            { kind: 'tax_notice', mandatory: true },
          ],
          accounting,
        },
        notes:
          'Hausse des charges de plus de 100 € par mois, ou régularisation de plus de 1 000 € sur les 12 derniers mois ; reste à vivre inférieur à 15 € par personne et par jour.',
      },
    ],
  },
  {
    code: 'AD',
    label: 'Aide à l’apurement de la dette locative',
    description: 'Versement unique au bailleur pour solder tout ou partie d’une dette de loyer, avec un plan d’apurement.',
    payees: ['landlord'],
    groupCode: 'loyer',
    validationThresholdCents: 200000,
    versions: [
      {
        effectiveFrom: '2026-01-01',
        rules: {
          ceilingCents: 400000,
          monthly: false,
          maxMonths: null,
          minInstalments: null,
          maxInstalments: null,
          rollingCeilingCents: null,
          frequency: { maxCount: 1, months: 24, scope: 'type' },
          eligibility: {
            requirePrivateSectorEmployee: true,
            requireActiveLandlord: true,
            minEffortRateBp: null,
            maxRemainingIncomePerPersonPerDayCents: null,
            chargesIncrease: null,
          },
          documents: [
            { kind: 'debt_statement', mandatory: true },
            { kind: 'repayment_plan', mandatory: false },
            { kind: 'tax_notice', mandatory: true },
          ],
          accounting,
        },
        notes: 'Un versement unique, au plus une fois tous les 24 mois.',
      },
    ],
  },
];
