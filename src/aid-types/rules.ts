import { z } from 'zod';

/** Kinds of supporting documents an aid type may ask for. */
export const DOCUMENT_KINDS = {
  tax_notice: 'Avis d’imposition',
  rent_receipt: 'Quittance ou avis d’échéance de loyer',
  payslips: 'Trois derniers bulletins de salaire',
  employer_certificate: 'Attestation de l’employeur',
  caf_certificate: 'Attestation CAF',
  debt_statement: 'Décompte de la dette locative',
  repayment_plan: 'Plan d’apurement',
  energy_bill: 'Facture d’énergie',
  charges_statement: 'Décompte de régularisation des charges',
  bank_details: 'RIB du bénéficiaire',
  id_document: 'Pièce d’identité',
  consent: 'Consentement signé du locataire',
  other: 'Autre justificatif',
} as const;
export type DocumentKind = keyof typeof DOCUMENT_KINDS;
export const DOCUMENT_KIND_CODES = Object.keys(DOCUMENT_KINDS) as DocumentKind[];

export const PAYEE_KINDS = { landlord: 'Le bailleur', supplier: 'Le fournisseur d’énergie', other: 'Un autre bénéficiaire' } as const;
export type PayeeKind = keyof typeof PAYEE_KINDS;

const cents = z.number().int().min(0);
const count = z.number().int().min(1).max(120);

/**
 * The rules of an aid type version, as data an administrator edits in a form: thresholds and
 * toggles, never code. Money in cents, rates in basis points (3 000 = 30 %).
 */
export const rulesSchema = z.object({
  ceilingCents: cents.nullable(),
  monthly: z.boolean(),
  maxMonths: count.nullable(),
  minInstalments: count.nullable(),
  maxInstalments: count.nullable(),
  rollingCeilingCents: cents.nullable(),
  frequency: z.object({ maxCount: count, months: count, scope: z.enum(['type', 'group']) }).nullable(),
  eligibility: z.object({
    requirePrivateSectorEmployee: z.boolean(),
    requireActiveLandlord: z.boolean(),
    minEffortRateBp: z.number().int().min(0).max(10000).nullable(),
    maxRemainingIncomePerPersonPerDayCents: cents.nullable(),
    chargesIncrease: z.object({ minMonthlyIncreaseCents: cents, minRegularisationCents: cents }).nullable(),
  }),
  documents: z.array(z.object({ kind: z.enum(DOCUMENT_KIND_CODES as [DocumentKind, ...DocumentKind[]]), mandatory: z.boolean() })),
  accounting: z.object({ expenseAccount: z.string().regex(/^\d{3,10}$/), thirdPartyAccount: z.string().regex(/^\d{3,10}$/) }),
});

export type Rules = z.infer<typeof rulesSchema>;
