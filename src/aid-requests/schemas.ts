import { z } from 'zod';
import { optionalAmountCents, optionalText, requiredDate, versionField } from '../shared/form-fields';

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
  z.preprocess(blank, z.coerce.number({ error: `${label} : saisissez un nombre entier` }).int({ error: `${label} : saisissez un nombre entier` }).min(min, { error: `${label} : au moins ${min}` }).max(max, { error: `${label} : au plus ${max}` }).optional());

const memberResources = Object.fromEntries(Array.from({ length: MAX_MEMBERS }, (_, i) => [`resources_${i}`, optionalAmountCents()])) as Record<string, ReturnType<typeof optionalAmountCents>>;

/**
 * The situation step: the same schema serves the live check (htmx, while typing) and the save,
 * so a message shown while typing is the message shown on save.
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
  requested: optionalAmountCents(),
  requestedMonths: optionalInt('Nombre de mensualités', 1, 120),
  version: versionField(),
});

export type SituationInput = z.infer<typeof situationSchema>;

export const CONSENT_METHODS = {
  paper_signed: 'Formulaire papier signé par le locataire',
  in_person: 'Information donnée en entretien, accord oral noté',
  email: 'Accord reçu par courriel',
} as const;

/** Submission: the tenant was informed and consented (date, how), GDPR art. 13 and 9. */
export const submitSchema = (today: string) =>
  z.object({
    consentInformed: z.literal('on', { error: 'Confirmez que le locataire a reçu l’information sur le traitement de ses données' }),
    consentDate: requiredDate('Saisissez la date du consentement').refine((d) => d <= today, { error: 'La date du consentement ne peut pas être dans le futur' }),
    consentMethod: z.enum(Object.keys(CONSENT_METHODS) as [keyof typeof CONSENT_METHODS, ...Array<keyof typeof CONSENT_METHODS>], { error: 'Choisissez comment le consentement a été recueilli' }),
    version: versionField(),
  });

export const newRequestSchema = z.object({
  householdId: z.uuid({ error: 'Choisissez le ménage' }),
  aidTypeId: z.uuid({ error: 'Choisissez l’aide demandée' }),
});
