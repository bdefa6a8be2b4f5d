import { z } from 'zod';
import { checkbox, optionalAmountCents, optionalText, requiredDate, requiredText, versionField } from '../shared/form-fields';
import { parseEurosToCents } from '../shared/money';
import { DOCUMENT_KIND_CODES, type DocumentKind, PAYEE_KINDS, type PayeeKind, type Rules } from './rules';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalCount = (label: string, max = 120) =>
  z.preprocess(
    blank,
    z.coerce
      .number({ error: `${label} : saisissez un nombre entier` })
      .int({ error: `${label} : saisissez un nombre entier` })
      .min(1, { error: `${label} : au moins 1` })
      .max(max, { error: `${label} : au plus ${max}` })
      .optional(),
  );

/** "30" or "33,5" (%) → basis points. */
const optionalPercent = () =>
  z.preprocess(
    blank,
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const bp = parseEurosToCents(v.replace('%', ''));
        if (bp === null || bp > 10000) {
          ctx.addIssue({ code: 'custom', message: 'Saisissez un pourcentage entre 0 et 100, par exemple 30 ou 33,5' });
          return z.NEVER;
        }
        return bp;
      }),
  );

const account = (missing: string) =>
  requiredText(missing, 10).regex(/^\d{3,10}$/, { error: 'Un numéro de compte compte de 3 à 10 chiffres, par exemple 6571' });

const documentFields = Object.fromEntries(DOCUMENT_KIND_CODES.map((k) => [`doc_${k}`, z.enum(['none', 'optional', 'mandatory']).catch('none')])) as Record<
  `doc_${DocumentKind}`,
  z.ZodCatch<z.ZodEnum<{ none: 'none'; optional: 'optional'; mandatory: 'mandatory' }>>
>;

/** The fields of a version form: thresholds and toggles, as an administrator types them. */
export const versionFields = {
  effectiveFrom: requiredDate('Saisissez la date d’entrée en vigueur'),
  ceiling: optionalAmountCents(),
  monthly: checkbox(),
  maxMonths: optionalCount('Durée maximale'),
  minInstalments: optionalCount('Mensualités minimum'),
  maxInstalments: optionalCount('Mensualités maximum'),
  rollingCeiling: optionalAmountCents(),
  frequencyMaxCount: optionalCount('Nombre d’aides'),
  frequencyMonths: optionalCount('Période', 240),
  frequencyScope: z.enum(['type', 'group']).catch('type'),
  requirePrivateSectorEmployee: checkbox(),
  requireActiveLandlord: checkbox(),
  minEffortRate: optionalPercent(),
  maxRemainingIncome: optionalAmountCents(),
  chargesMinMonthlyIncrease: optionalAmountCents(),
  chargesMinRegularisation: optionalAmountCents(),
  ...documentFields,
  expenseAccount: account('Saisissez le compte de charge'),
  thirdPartyAccount: account('Saisissez le compte de tiers'),
  notes: optionalText(4000),
};

type VersionInput = z.infer<z.ZodObject<typeof versionFields>>;

/** Rules across fields of a version form. */
function versionRules(v: Partial<VersionInput>, ctx: z.RefinementCtx): void {
  if (v.monthly && !v.maxMonths) ctx.addIssue({ code: 'custom', path: ['maxMonths'], message: 'Indiquez la durée maximale d’une aide mensuelle' });
  if (v.minInstalments && v.maxInstalments && v.minInstalments > v.maxInstalments) {
    ctx.addIssue({ code: 'custom', path: ['maxInstalments'], message: 'Le maximum de mensualités doit être au moins égal au minimum' });
  }
  if (Boolean(v.frequencyMaxCount) !== Boolean(v.frequencyMonths)) {
    ctx.addIssue({
      code: 'custom',
      path: [v.frequencyMaxCount ? 'frequencyMonths' : 'frequencyMaxCount'],
      message: 'Une limite de fréquence a besoin d’un nombre d’aides et d’une période en mois',
    });
  }
}

export const versionSchema = z.object(versionFields).superRefine(versionRules);

const typeFields = {
  label: requiredText('Saisissez le nom de l’aide', 120),
  description: optionalText(2000),
  payees: z.preprocess(
    (v): unknown => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => x !== ''),
    z
      .array(z.enum(Object.keys(PAYEE_KINDS) as [PayeeKind, ...PayeeKind[]], { error: 'Choisissez des bénéficiaires de la liste' }))
      .min(1, { error: 'Cochez au moins un bénéficiaire du versement' }),
  ),
  groupCode: z.preprocess(
    blank,
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9_-]{1,30}$/, { error: 'Un groupe s’écrit en minuscules, sans espace, par exemple « loyer »' })
      .optional(),
  ),
  validationThreshold: z.preprocess(blank, z.string().max(30).optional()).transform((v, ctx) => {
    if (v === undefined) return null;
    const cents = parseEurosToCents(v);
    if (cents === null) {
      ctx.addIssue({ code: 'custom', message: 'Saisissez un montant en euros, par exemple 1 500' });
      return z.NEVER;
    }
    return cents;
  }),
};

export const createAidTypeSchema = z
  .object({
    code: requiredText('Saisissez le code de l’aide', 10)
      .transform((c) => c.toUpperCase())
      .pipe(z.string().regex(/^[A-Z0-9_-]{1,10}$/, { error: 'Le code s’écrit en lettres et chiffres, sans espace, par exemple AQ' })),
    ...typeFields,
    ...versionFields,
  })
  .superRefine(versionRules);

export const updateAidTypeSchema = z.object({ ...typeFields, status: z.enum(['active', 'archived']), version: versionField() });

export type CreateAidTypeInput = z.infer<typeof createAidTypeSchema>;
export type UpdateAidTypeInput = z.infer<typeof updateAidTypeSchema>;
export type VersionFormInput = z.infer<typeof versionSchema>;

/** A version form → the rules stored as data. */
export function toRules(v: VersionFormInput): Rules {
  return {
    ceilingCents: v.ceiling || null,
    monthly: v.monthly,
    maxMonths: v.monthly ? (v.maxMonths ?? null) : null,
    minInstalments: v.monthly ? (v.minInstalments ?? null) : null,
    maxInstalments: v.monthly ? (v.maxInstalments ?? null) : null,
    rollingCeilingCents: v.rollingCeiling || null,
    frequency: v.frequencyMaxCount && v.frequencyMonths ? { maxCount: v.frequencyMaxCount, months: v.frequencyMonths, scope: v.frequencyScope } : null,
    eligibility: {
      requirePrivateSectorEmployee: v.requirePrivateSectorEmployee,
      requireActiveLandlord: v.requireActiveLandlord,
      minEffortRateBp: v.minEffortRate ?? null,
      maxRemainingIncomePerPersonPerDayCents: v.maxRemainingIncome || null,
      chargesIncrease:
        v.chargesMinMonthlyIncrease || v.chargesMinRegularisation
          ? { minMonthlyIncreaseCents: v.chargesMinMonthlyIncrease, minRegularisationCents: v.chargesMinRegularisation }
          : null,
    },
    documents: DOCUMENT_KIND_CODES.filter((k) => v[`doc_${k}`] !== 'none').map((k) => ({ kind: k, mandatory: v[`doc_${k}`] === 'mandatory' })),
    accounting: { expenseAccount: v.expenseAccount, thirdPartyAccount: v.thirdPartyAccount },
  };
}
