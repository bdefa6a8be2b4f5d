import { z } from 'zod';
import { DOCUMENT_KIND_CODES, type DocumentKind, PAYEE_KINDS, type PayeeKind } from '../../aid-types/rules';
import { confirmation } from '../../households/schemas';
import { ibanField, optionalAmountCents, optionalBicField, optionalText, requiredDate, requiredText, versionField } from '../../shared/form-fields';

export const CAUSES = {
  job_loss: 'Perte d’emploi',
  illness: 'Maladie ou accident',
  separation: 'Séparation',
  death: 'Décès',
  income_drop: 'Baisse de ressources',
  other: 'Autre',
} as const;
export type Cause = keyof typeof CAUSES;

/** Up to this many members' resources on the situation form (resources_0 … resources_19). */
export const MAX_MEMBERS = 20;

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalInt = (label: string, min: number, max: number) =>
  z.preprocess(
    blank,
    z.coerce
      .number({ error: `${label} : saisissez un nombre entier` })
      .int({ error: `${label} : saisissez un nombre entier` })
      .min(min, { error: `${label} : au moins ${min}` })
      .max(max, { error: `${label} : au plus ${max}` })
      .optional(),
  );

const memberResources = Object.fromEntries(Array.from({ length: MAX_MEMBERS }, (_, i) => [`resources_${i}`, optionalAmountCents()])) as Record<
  string,
  ReturnType<typeof optionalAmountCents>
>;

/**
 * Each step of the filing has one schema; the same schema serves the live check (htmx, while
 * typing) and the save, so a message shown while typing is the message shown on save.
 */
export const situationSchema = z.object({
  rent: optionalAmountCents(),
  charges: optionalAmountCents(),
  housingAllowance: optionalAmountCents(),
  fixedCharges: optionalAmountCents(),
  ...memberResources,
  arrears: optionalAmountCents(),
  arrearsMonths: optionalInt('Mois d’impayés', 0, 120),
  cause: z.preprocess(blank, z.enum(Object.keys(CAUSES) as [Cause, ...Cause[]], { error: 'Choisissez la cause de la difficulté' }).optional()),
  causeComment: optionalText(2000),
  chargesIncrease: optionalAmountCents(),
  chargesRegularisation: optionalAmountCents(),
  version: versionField(),
});
export type SituationInput = z.infer<typeof situationSchema>;

export const amountSchema = z.object({
  requested: optionalAmountCents(),
  requestedMonths: optionalInt('Nombre de mensualités', 1, 120),
  version: versionField(),
});
export type AmountInput = z.infer<typeof amountSchema>;

const PAYEE_CODES = Object.keys(PAYEE_KINDS) as [PayeeKind, ...PayeeKind[]];

/** The payee of the payments: IBAN checked by its mod-97 key, BIC by its shape. */
export const payeeSchema = z.object({
  payeeKind: z.enum(PAYEE_CODES, { error: 'Choisissez qui reçoit le versement' }),
  payeeName: requiredText('Saisissez le nom du titulaire du compte', 140),
  payeeIban: ibanField('Saisissez l’IBAN du bénéficiaire'),
  payeeBic: optionalBicField(),
  version: versionField(),
});
export type PayeeInput = z.infer<typeof payeeSchema>;

export const CONSENT_METHODS = {
  paper_signed: 'Formulaire papier signé par le locataire',
  in_person: 'Information donnée en entretien, accord oral noté',
  email: 'Accord reçu par courriel',
} as const;
export type ConsentMethod = keyof typeof CONSENT_METHODS;

/** The tenant was informed and consented (date, how): GDPR art. 13 and 9, recorded before submission. */
export const consentSchema = (today: string) =>
  z.object({
    consentInformed: z.literal('on', { error: 'Confirmez que le locataire a reçu l’information sur le traitement de ses données' }),
    consentDate: requiredDate('Saisissez la date du consentement').refine((d) => d <= today, {
      error: 'La date du consentement ne peut pas être dans le futur',
    }),
    consentMethod: z.enum(Object.keys(CONSENT_METHODS) as [ConsentMethod, ...ConsentMethod[]], { error: 'Choisissez comment le consentement a été recueilli' }),
    version: versionField(),
  });
export type ConsentInput = z.infer<ReturnType<typeof consentSchema>>;

/**
 * What the consent step posts (one multipart form with the signed form): the consent when complete,
 * or the messages saying what is missing. The route decides: the signed form is attached either
 * way, so pressing "Joindre" never loses what is typed beside it.
 */
export const consentStepSchema = (today: string) =>
  z.looseObject({ joindre: z.literal('1').optional(), version: versionField() }).transform((v) => {
    const parsed = consentSchema(today).safeParse(v);
    const errors: Record<string, string> = {};
    if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
    return { version: v.version, attach: v.joindre === '1', consent: parsed.success ? parsed.data : null, errors };
  });

const DOCUMENT_KIND = z.enum(DOCUMENT_KIND_CODES as [DocumentKind, ...DocumentKind[]], { error: 'Choisissez un type de pièce de la liste' });

/**
 * The documents form: the type of a single new file (optional: without it, or with several files,
 * they are kept as received), a type for each received file (`classer_<id>`), one to discard.
 */
export const documentsSchema = z
  .looseObject({ kind: z.preprocess(blank, DOCUMENT_KIND.optional()), ecarter: z.preprocess(blank, z.uuid().optional()) })
  .superRefine((v, ctx) => {
    for (const [key, value] of Object.entries(v)) {
      if (key.startsWith('classer_') && typeof value === 'string' && value !== '' && !DOCUMENT_KIND.safeParse(value).success)
        ctx.addIssue({ code: 'custom', path: [key], message: 'Choisissez un type de pièce de la liste' });
    }
  })
  .transform((v) => ({
    kind: v.kind ?? null,
    discard: v.ecarter ?? null,
    classify: Object.entries(v)
      .filter(([key, value]) => key.startsWith('classer_') && typeof value === 'string' && value !== '')
      .map(([key, value]) => ({ uploadId: key.slice('classer_'.length), kind: value as DocumentKind })),
  }));

export const newRequestSchema = z.object({
  householdId: z.uuid({ error: 'Choisissez le ménage' }),
  aidTypeId: z.uuid({ error: 'Choisissez l’aide demandée' }),
});

export const versionOnlySchema = z.object({ version: versionField() });

/** Withdrawing a request is final: the POST acts only once confirmed on its page. */
export const withdrawSchema = z.object({ version: versionField(), confirmation: confirmation() });

/** The steps of a filing, in order: each has its page, and the live check knows which form it reads. */
export const FILING_STEPS = ['situation', 'aide', 'versement', 'pieces', 'consentement', 'recapitulatif'] as const;
export type FilingStep = (typeof FILING_STEPS)[number];
