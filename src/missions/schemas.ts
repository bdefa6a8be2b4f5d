import { z } from 'zod';
import { CONSENT_METHODS, type ConsentMethod } from '../aid-requests/filing/schemas';
import { checkbox, optionalEmail, optionalText, requiredDate, requiredText, versionField } from '../shared/form-fields';
import { parseEurosToCents } from '../shared/money';
import {
  APPOINTMENT_MODES,
  INTERRUPTION_REASONS,
  OBJECTIVE_CATEGORIES,
  OBJECTIVE_RESULTS,
  type ObjectiveCategory,
  type ObjectiveResult,
  SESSION_KINDS,
} from './state-machine';

const keys = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...Array<keyof T & string>];
const uuidOrBlank = (message: string) => z.preprocess((v) => (v === '' ? undefined : v), z.uuid({ error: message }).optional());

/** How many objectives the acceptance form offers (empty rows are ignored). */
export const OBJECTIVE_ROWS = 5;

/** Whole minutes, typed as "90", "1h30" or "1:30". */
export function parseMinutes(input: string): number | null {
  const v = input.trim().toLowerCase().replace(/\s+/g, '');
  const hm = /^(\d{1,2})(?:h|:)(\d{0,2})$/.exec(v);
  if (hm) return Number(hm[1]) * 60 + Number(hm[2] || 0);
  return /^\d{1,3}$/.test(v) ? Number(v) : null;
}

const minutes = (missing: string, min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string({ error: missing }).transform((v, ctx) => {
      const n = parseMinutes(v);
      if (n === null || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `Saisissez une durée entre ${min} minutes et ${max / 60} heures, par exemple 45 ou 1h30` });
        return z.NEVER;
      }
      return n;
    }),
  );

export const orderSchema = z.object({
  householdId: z.uuid({ error: 'Choisissez un ménage' }),
  missionTypeId: z.uuid({ error: 'Choisissez un type d’accompagnement' }),
  reason: requiredText('Expliquez en quelques mots la situation et ce qui est attendu', 2000),
  requestId: uuidOrBlank('Demande inconnue'),
  adviserId: uuidOrBlank('Conseiller ou conseillère inconnu'),
});

export const assignSchema = z.object({
  adviserId: z.uuid({ error: 'Choisissez une conseillère ou un conseiller' }),
  version: versionField(),
});

/** The household's agreement and the objectives set with it; rows left blank are ignored. */
export const acceptSchema = (today: string) =>
  z
    .looseObject({
      consentDate: requiredDate('Saisissez la date de l’accord du ménage').refine((d) => d <= today, {
        error: 'La date de l’accord ne peut pas être dans le futur',
      }),
      consentMethod: z.enum(Object.keys(CONSENT_METHODS) as [ConsentMethod, ...ConsentMethod[]], { error: 'Choisissez comment l’accord a été recueilli' }),
      version: versionField(),
    })
    .transform((v, ctx) => {
      const objectives: Array<{ category: ObjectiveCategory; text: string }> = [];
      for (let i = 1; i <= OBJECTIVE_ROWS; i++) {
        const text = typeof v[`objective${i}`] === 'string' ? (v[`objective${i}`] as string).trim() : '';
        const category = v[`objective${i}Category`];
        if (!text) continue;
        if (text.length > 500) ctx.addIssue({ code: 'custom', path: [`objective${i}`], message: 'Un objectif tient en 500 caractères au plus' });
        if (typeof category !== 'string' || !Object.hasOwn(OBJECTIVE_CATEGORIES, category))
          ctx.addIssue({ code: 'custom', path: [`objective${i}Category`], message: 'Choisissez le domaine de cet objectif' });
        else objectives.push({ category: category as ObjectiveCategory, text });
      }
      if (objectives.length === 0) ctx.addIssue({ code: 'custom', path: ['objective1'], message: 'Fixez au moins un objectif avec le ménage' });
      return { consentDate: v.consentDate, consentMethod: v.consentMethod, version: v.version, objectives };
    });

export const declineSchema = z.object({
  declineReason: requiredText('Indiquez ce que le ménage a répondu', 1000),
  version: versionField(),
});

export const versionOnlySchema = z.object({ version: versionField() });

export const sessionSchema = (today: string) =>
  z.object({
    heldOn: requiredDate('Saisissez la date de l’entretien').refine((d) => d <= today, {
      error: 'Un entretien s’enregistre une fois tenu : la date ne peut pas être dans le futur',
    }),
    durationMinutes: minutes('Saisissez la durée de l’entretien', 5, 600),
    kind: z.enum(keys(SESSION_KINDS), { error: 'Choisissez le type d’entretien' }),
    participants: requiredText('Indiquez qui était présent', 300),
    summary: requiredText('Résumez l’entretien (ce résumé figure dans le dossier de la mission)', 4000),
    privateNotes: optionalText(4000),
    nextSteps: optionalText(2000),
    // the household reads this summary in its own space (never the private notes)
    shareWithHousehold: checkbox(),
  });

/** The end of a mission: a result for each objective (fields result1…resultN), the outcome, recommendations. */
export const completeSchema = z
  .looseObject({
    outcome: requiredText('Rédigez le bilan de la mission', 4000),
    recommendations: optionalText(2000),
    version: versionField(),
  })
  .transform((v, ctx) => {
    const results: Record<number, ObjectiveResult> = {};
    for (const [key, value] of Object.entries(v)) {
      const m = /^result(\d{1,2})$/.exec(key);
      if (!m) continue;
      if (typeof value === 'string' && Object.hasOwn(OBJECTIVE_RESULTS, value)) results[Number(m[1])] = value as ObjectiveResult;
      else if (value !== '' && value !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'Choisissez un résultat' });
    }
    return { outcome: v.outcome, recommendations: v.recommendations, version: v.version, results };
  });

export const interruptSchema = z.object({
  interruptionReason: z.enum(keys(INTERRUPTION_REASONS), { error: 'Choisissez le motif de l’interruption' }),
  interruptionComment: optionalText(1000),
  version: versionField(),
});

export const appointmentSchema = z.object({
  appointmentDate: requiredDate('Saisissez la date du rendez-vous'),
  appointmentTime: z
    .string({ error: 'Saisissez l’heure du rendez-vous' })
    .trim()
    .regex(/^([01]\d|2[0-3])[:h]([0-5]\d)$/, { error: 'Saisissez une heure, par exemple 14:30' })
    .transform((v) => v.replace('h', ':')),
  appointmentDuration: minutes('Saisissez la durée prévue', 10, 480),
  appointmentMode: z.enum(keys(APPOINTMENT_MODES), { error: 'Choisissez la forme du rendez-vous' }),
  appointmentPlace: requiredText('Indiquez le lieu, le numéro appelé ou le lien de la visio', 300),
  contactName: requiredText('Indiquez la personne attendue', 140),
  contactEmail: optionalEmail(),
  acceptOverlap: checkbox(),
});

export const appointmentOutcomeSchema = z.object({
  outcome: z.enum(['cancelled', 'done', 'no_show'], { error: 'Action inconnue' }),
  version: versionField(),
});

const cents = (missing: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string({ error: missing }).transform((v, ctx) => {
      const n = parseEurosToCents(v);
      if (n === null || n < 0) {
        ctx.addIssue({ code: 'custom', message: 'Saisissez un montant en euros, par exemple 45,00' });
        return z.NEVER;
      }
      return n;
    }),
  );

export const missionTypeSchema = z.object({
  code: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
    z.string({ error: 'Saisissez un code' }).regex(/^[A-Z0-9_]{2,12}$/, { error: 'Le code fait de 2 à 12 lettres majuscules, chiffres ou _' }),
  ),
  label: requiredText('Saisissez le libellé', 120),
  description: optionalText(1000),
  defaultMinutes: minutes('Saisissez la durée prévue par défaut', 30, 600 * 6),
  billingMode: z.enum(['hourly', 'flat'], { error: 'Choisissez comment la mission est facturée' }),
  rate: cents('Saisissez le tarif'),
  active: checkbox(),
  version: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), versionField().optional()),
});

export const billingQuery = z.object({
  periode: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
        .optional(),
    )
    .catch(undefined),
});
