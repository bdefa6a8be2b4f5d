import { z } from 'zod';
import { choice, optionalDate, optionalText, requiredDate, requiredText, versionField } from '../shared/form-fields';
import { ASSISTANCE_CATEGORIES, ASSISTANCE_PRIORITIES, ASSISTANCE_STATUSES, CNIL_STATUSES, PEOPLE_STATUSES } from './labels';

function keys<K extends string>(o: Readonly<Record<K, string>>): [K, ...K[]] {
  const list: string[] = Object.keys(o);
  return list as [K, ...K[]];
}
const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The page a request was opened from, as it is kept: a path of this site only (never another site,
 * never `//host`), without its query or fragment (a search may hold a name), 500 characters at
 * most. Anything else is simply not kept: the person did not type it.
 */
export function fromPath(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const path = value.split(/[?#]/, 1)[0] ?? '';
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\') || path.length > 500) return null;
  // letters, digits and the signs of our own paths: no control character, no space, no backslash
  if (!/^[\p{L}\p{N}/._~%:-]+$/u.test(path)) return null;
  return path;
}

const fromField = z.preprocess((v) => fromPath(v) ?? undefined, z.string().optional());

const MESSAGE_MAX = 5000;

export const openSchema = z.object({
  category: choice(keys(ASSISTANCE_CATEGORIES), 'Choisissez le type de demande'),
  subject: requiredText('Donnez un objet à votre demande, en quelques mots', 200),
  message: requiredText('Décrivez votre demande : ce que vous faisiez, ce que vous attendiez, ce qui s’est passé', MESSAGE_MAX),
  from: fromField,
});
export type OpenInput = z.infer<typeof openSchema>;

const statusChoice = choice(keys(ASSISTANCE_STATUSES), 'Choisissez le statut');

export const replySchema = z.object({
  message: requiredText('Écrivez votre message', MESSAGE_MAX),
  // the association's answer may move the request on at the same time (by default: waiting for the requester)
  statusAfter: z.preprocess(blankToUndefined, statusChoice.optional()),
});
export type ReplyInput = z.infer<typeof replySchema>;

export const noteSchema = z.object({ note: requiredText('Écrivez la note', MESSAGE_MAX) });

export const triageSchema = z.object({
  priority: choice(keys(ASSISTANCE_PRIORITIES), 'Choisissez la priorité'),
  status: statusChoice,
  assigneeId: z.preprocess(blankToUndefined, z.uuid({ error: 'Choisissez un administrateur de l’association' }).optional()),
  version: versionField(),
});
export type TriageInput = z.infer<typeof triageSchema>;

export const queueQuery = z.object({
  statut: z.enum([...keys(ASSISTANCE_STATUSES), 'ouvertes', 'toutes']).catch('ouvertes'),
});

/** A count typed by a person ("250", "1 200"): a whole number, or nothing when unknown. */
function optionalCount() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? v.replace(/[\s\u00a0\u202f.]/g, '') : v),
    z
      .string()
      .regex(/^\d{1,9}$/, { error: 'Saisissez un nombre entier, par exemple 250 (laissez vide s’il est inconnu)' })
      .transform(Number)
      .optional(),
  );
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const requiredTime = (missing: string) =>
  z.preprocess(blankToUndefined, z.string({ error: missing }).regex(TIME, { error: 'Saisissez une heure valide, par exemple 14:30' }));
const optionalTime = () => z.preprocess(blankToUndefined, z.string().regex(TIME, { error: 'Saisissez une heure valide, par exemple 14:30' }).optional());

/** One entry of the breach register (GDPR art. 33(5)); the rules of time (not in the future, 72 hours) are the service's. */
const breachFields = z.object({
  sourceRequestId: z.preprocess(blankToUndefined, z.uuid().optional().catch(undefined)),
  nature: requiredText('Décrivez la nature de la violation (perte, vol, accès ou envoi non autorisé, altération…)', 4000),
  peopleCategories: requiredText('Indiquez les catégories de personnes concernées (locataires, salariés des bailleurs…)', 2000),
  peopleCount: optionalCount(),
  recordCategories: requiredText('Indiquez les catégories de données concernées (identité, ressources, IBAN…)', 2000),
  recordCount: optionalCount(),
  consequences: requiredText('Décrivez les conséquences probables pour les personnes', 4000),
  measures: requiredText('Décrivez les mesures prises ou envisagées pour y remédier et en limiter les effets', 4000),
  awareDate: requiredDate('Saisissez la date de prise de connaissance'),
  awareTime: requiredTime('Saisissez l’heure de prise de connaissance'),
  cnilStatus: choice(keys(CNIL_STATUSES), 'Indiquez si la violation a été notifiée à la CNIL'),
  cnilNotifiedDate: optionalDate(),
  cnilNotifiedTime: optionalTime(),
  cnilReference: optionalText(100),
  delayReason: optionalText(2000),
  notNotifiedReason: optionalText(2000),
  peopleStatus: choice(keys(PEOPLE_STATUSES), 'Indiquez si les personnes ont été informées'),
  peopleInformedDate: optionalDate(),
  peopleInformedHow: optionalText(1000),
  peopleNotInformedReason: optionalText(2000),
});

function breachRules(v: z.infer<typeof breachFields>, ctx: z.RefinementCtx): void {
  const need = (ok: unknown, path: string, message: string) => {
    if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
  };
  if (v.cnilStatus === 'notified') {
    need(v.cnilNotifiedDate, 'cnilNotifiedDate', 'Saisissez la date de la notification à la CNIL');
    need(v.cnilNotifiedTime, 'cnilNotifiedTime', 'Saisissez l’heure de la notification à la CNIL');
  }
  if (v.cnilStatus === 'not_notified')
    need(
      v.notNotifiedReason,
      'notNotifiedReason',
      'Justifiez l’absence de notification : pourquoi la violation n’est pas susceptible d’engendrer un risque pour les droits et libertés des personnes',
    );
  if (v.peopleStatus === 'informed') {
    need(v.peopleInformedDate, 'peopleInformedDate', 'Saisissez la date à laquelle les personnes ont été informées');
    need(v.peopleInformedHow, 'peopleInformedHow', 'Indiquez comment les personnes ont été informées (courrier, courriel…)');
  }
  if (v.peopleStatus === 'not_informed')
    need(v.peopleNotInformedReason, 'peopleNotInformedReason', 'Justifiez pourquoi les personnes ne sont pas informées (art. 34 §3)');
}

export const breachSchema = breachFields.superRefine(breachRules);
export type BreachInput = z.infer<typeof breachSchema>;

export const breachEditSchema = breachFields.extend({ version: versionField() }).superRefine(breachRules);
export type BreachEditInput = z.infer<typeof breachEditSchema>;
