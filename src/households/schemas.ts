import { z } from 'zod';
import {
  checkbox,
  choice,
  optionalAmountCents,
  optionalEmail,
  optionalPhone,
  optionalSiret,
  optionalText,
  requiredAmountCents,
  requiredDate,
  optionalDate,
  requiredText,
  versionField,
} from '../shared/form-fields';
import { EMPLOYED, EMPLOYMENT_STATUSES, RELATIONSHIPS } from './labels';

const postcode = () =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\s/g, '') : v),
    z
      .string({ error: 'Saisissez le code postal' })
      .min(1, { error: 'Saisissez le code postal' })
      .regex(/^(\d{5}|2[AB]\d{3})$/, { error: 'Le code postal compte 5 chiffres, par exemple 69003' }),
  );

/** The dwelling and the tenancy. Dates are checked against `today` (no entry date in the future). */
export const dwellingFields = (today: string) => ({
  addressLine1: requiredText('Saisissez l’adresse du logement', 160),
  addressLine2: optionalText(160),
  postcode: postcode(),
  city: requiredText('Saisissez la ville', 100),
  housingEstate: optionalText(120),
  tenancyReference: requiredText('Saisissez la référence du bail (numéro de contrat de location)', 60),
  entryDate: optionalDate().refine((d) => d === undefined || d <= today, { error: 'La date d’entrée ne peut pas être dans le futur' }),
  rent: requiredAmountCents('Saisissez le loyer mensuel hors charges').refine((c) => c > 0, { error: 'Le loyer doit être supérieur à 0 €' }),
  charges: optionalAmountCents(),
  housingAllowance: optionalAmountCents(),
});

const birthDateField = (today: string) =>
  requiredDate('Saisissez la date de naissance')
    .refine((d) => d <= today, { error: 'La date de naissance ne peut pas être dans le futur' })
    .refine((d) => d >= '1900-01-01', { error: 'Vérifiez l’année de naissance' });

/** A date that cannot be after today (arrivals, departures, moves). */
export const pastDate = (missing: string, today: string, future = 'La date ne peut pas être dans le futur') =>
  requiredDate(missing).refine((d) => d <= today, { error: future });

export const personFields = (today: string) => ({
  civility: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['mme', 'm']).optional()),
  lastName: requiredText('Saisissez le nom de famille', 100),
  firstNames: requiredText('Saisissez le ou les prénoms', 120),
  birthDate: birthDateField(today),
  email: optionalEmail(),
  phone: optionalPhone(),
  employmentStatus: choice(EMPLOYMENT_STATUSES, 'Choisissez la situation professionnelle'),
  employerName: optionalText(160),
  employerSiret: optionalSiret(),
  resourceSalary: optionalAmountCents(),
  resourceUnemployment: optionalAmountCents(),
  resourceCaf: optionalAmountCents(),
  resourcePension: optionalAmountCents(),
  resourceRsa: optionalAmountCents(),
  resourceOther: optionalAmountCents(),
});

/** An employee needs an employer. Runs even when other fields are wrong, so every error shows at once. */
const employerRule = [
  (p: { employmentStatus?: unknown; employerName?: unknown }, ctx: z.RefinementCtx) => {
    if ((EMPLOYED as readonly unknown[]).includes(p.employmentStatus) && !p.employerName) {
      ctx.addIssue({ code: 'custom', path: ['employerName'], message: 'Saisissez le nom de l’employeur : il est obligatoire pour un salarié' });
    }
  },
  { when: () => true },
] as const;

/** New household: the dwelling and its holder (the first person), with the landlord for association users. */
export const createHouseholdSchema = (today: string) =>
  z
    .object({
      organisationId: z.uuid({ error: 'Choisissez le bailleur' }).optional(),
      ...dwellingFields(today),
      ...personFields(today),
      confirmNotDuplicate: checkbox(),
    })
    .superRefine(...employerRule);

export const updateHouseholdSchema = (today: string) => z.object({ ...dwellingFields(today), version: versionField() });

export const personSchema = (today: string) => z.object(personFields(today)).superRefine(...employerRule);

export const updatePersonSchema = (today: string) => z.object({ ...personFields(today), version: versionField() }).superRefine(...employerRule);

const moveDate = () => requiredDate('Saisissez la date');

/** Adds a new person to a household. */
export const addPersonSchema = (today: string) =>
  z
    .object({
      ...personFields(today),
      relationship: choice(RELATIONSHIPS, 'Choisissez le lien avec le titulaire'),
      fromDate: pastDate('Saisissez la date d’arrivée', today, 'La date d’arrivée ne peut pas être dans le futur'),
      confirmNotDuplicate: checkbox(),
    })
    .superRefine(...employerRule);

/** Brings a person already known (from another household) into this one: a couple, a return. */
export const joinSchema = z.object({
  q: optionalText(100),
  personId: z.uuid({ error: 'Choisissez la personne à rattacher' }),
  relationship: choice(RELATIONSHIPS, 'Choisissez le lien avec le titulaire'),
  fromDate: moveDate(),
});

/** Separation: the chosen current members leave for a new household, from a date. */
export const splitSchema = z.object({
  memberIds: z.preprocess(
    (v): unknown => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.uuid()).min(1, { error: 'Cochez au moins une personne qui part' }),
  ),
  date: moveDate(),
  tenancyReference: requiredText('Saisissez la référence du bail du nouveau ménage', 60),
});

/**
 * The hidden field of a confirmation page: an irreversible POST acts only with it, so a form
 * posted from anywhere else comes back to the page that says what will happen.
 */
export const confirmation = () => z.literal('oui', { error: 'Vérifiez ce qui va se passer, puis confirmez' });

/** A person leaves the household (moved out of the landlord's housing), once confirmed. */
export const leaveSchema = z.object({ date: requiredDate('Saisissez la date de départ'), confirmation: confirmation() });

/** Absorbs another household of the same landlord, found by its tenancy reference, once confirmed. */
export const householdMergeSchema = z.object({
  mergedReference: requiredText('Saisissez la référence du bail du ménage à absorber', 60),
  confirmation: confirmation(),
});

/** Merges two persons once confirmed; when they live in two households, which one the person leaves and when. */
export const personMergeSchema = z.object({
  survivorId: z.uuid({ error: 'Choisissez la fiche à garder' }),
  mergedId: z.uuid({ error: 'Choisissez la fiche à fusionner' }),
  leaveFrom: z.preprocess((v) => (v === '' ? undefined : v), z.uuid({ error: 'Choisissez le ménage que la personne quitte' }).optional()),
  leaveDate: optionalDate(),
  confirmation: confirmation(),
});

export const householdListQuery = z.object({
  q: optionalText(100),
  postcode: optionalText(10),
  organisationId: z.uuid().optional().catch(undefined),
  sort: z.enum(['name', 'reference', 'postcode', 'updated']).catch('name').default('name'),
  page: z.coerce.number().int().min(1).max(100000).catch(1).default(1),
});

export type CreateHouseholdInput = z.infer<ReturnType<typeof createHouseholdSchema>>;
export type UpdateHouseholdInput = z.infer<ReturnType<typeof updateHouseholdSchema>>;
export type PersonInput = z.infer<ReturnType<typeof personSchema>>;
export type UpdatePersonInput = z.infer<ReturnType<typeof updatePersonSchema>>;
export type AddPersonInput = z.infer<ReturnType<typeof addPersonSchema>>;
export type JoinInput = z.infer<typeof joinSchema>;
export type SplitInput = z.infer<typeof splitSchema>;
export type HouseholdListQuery = z.infer<typeof householdListQuery>;
