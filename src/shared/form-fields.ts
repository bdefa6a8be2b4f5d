import { z } from 'zod';
import { compactDigits, isValidSiren, isValidSiret } from './luhn';
import { parseEurosToCents } from './money';
import { bicProblem, compactIban, ibanProblem } from './iban';

/** Empty strings posted by forms mean "not given". */
const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A required text field; `missing` is the sentence shown when it is empty. */
export function requiredText(missing: string, max = 200) {
  return z
    .string({ error: missing })
    .trim()
    .min(1, { error: missing })
    .max(max, { error: `Ce champ ne doit pas dépasser ${max} caractères` });
}

export function optionalText(max = 200) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .max(max, { error: `Ce champ ne doit pas dépasser ${max} caractères` })
      .optional(),
  );
}

export function requiredEmail(missing = 'Saisissez une adresse e-mail') {
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .string({ error: missing })
      .min(1, { error: missing })
      .max(254, { error: 'L’adresse e-mail est trop longue' })
      .pipe(z.email({ error: 'Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr' })),
  );
}

export function optionalEmail() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.email({ error: 'Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr' }).max(254).optional(),
  );
}

/** French phone numbers: 10 digits starting with 0, or +33 followed by 9 digits; stored compact. */
export function optionalPhone() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? v.replace(/[\s.\-()]/g, '') : v),
    z
      .string()
      .regex(/^(0[1-9]\d{8}|\+33[1-9]\d{8})$/, { error: 'Saisissez un numéro de téléphone valide, par exemple 01 23 45 67 89' })
      .optional(),
  );
}

export function requiredSiren() {
  return z.preprocess(
    (v) => (typeof v === 'string' ? compactDigits(v) : v),
    z
      .string({ error: 'Saisissez le numéro SIREN' })
      .min(1, { error: 'Saisissez le numéro SIREN' })
      .regex(/^\d{9}$/, { error: 'Le SIREN compte 9 chiffres' })
      .refine(isValidSiren, { error: 'Ce numéro SIREN n’est pas valide (clé de contrôle incorrecte)' }),
  );
}

export function optionalSiren() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? compactDigits(v) : v),
    z
      .string()
      .regex(/^\d{9}$/, { error: 'Le SIREN compte 9 chiffres' })
      .refine(isValidSiren, { error: 'Ce numéro SIREN n’est pas valide (clé de contrôle incorrecte)' })
      .optional(),
  );
}

export function optionalPostcode() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? v.replace(/\s/g, '') : v),
    z
      .string()
      .regex(/^(\d{5}|2[AB]\d{3})$/, { error: 'Le code postal compte 5 chiffres, par exemple 75011' })
      .optional(),
  );
}

/** Parses "AAAA-MM-JJ" (date input) or "JJ/MM/AAAA" (typed) into "AAAA-MM-JJ", rejecting impossible dates. */
export function parseFrenchDate(input: string): string | null {
  const s = input.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
    if (!match) return null;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1900 || y > 2200) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const INVALID_DATE = 'Saisissez une date valide, par exemple 31/12/2026';

export function requiredDate(missing: string) {
  return z.preprocess(
    blankToUndefined,
    z.string({ error: missing }).transform((v, ctx): string => {
      const iso = parseFrenchDate(v);
      if (!iso) {
        ctx.addIssue({ code: 'custom', message: INVALID_DATE });
        return z.NEVER;
      }
      return iso;
    }),
  );
}

export function optionalDate() {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((v, ctx): string | undefined => {
        if (v === undefined) return undefined;
        const iso = parseFrenchDate(v);
        if (!iso) ctx.addIssue({ code: 'custom', message: INVALID_DATE });
        return iso ?? undefined;
      }),
  );
}

/** An amount typed in euros ("1 234,56"), as integer cents. */
export function requiredAmountCents(missing: string) {
  return z.preprocess(
    blankToUndefined,
    z.string({ error: missing }).transform((v, ctx) => {
      const cents = parseEurosToCents(v);
      if (cents === null) {
        ctx.addIssue({ code: 'custom', message: 'Saisissez un montant en euros, par exemple 1 234,56' });
        return z.NEVER;
      }
      return cents;
    }),
  );
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, missing: string) {
  return z.enum(values, { error: missing });
}

/** A checkbox posts "on"/"true"/"1" when ticked and nothing otherwise. */
export function checkbox() {
  return z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || v === true, z.boolean());
}

/** The optimistic-locking version carried by edit forms. */
export const versionField = () => z.coerce.number({ error: 'Version manquante' }).int().min(1);

/** An optional amount in euros: blank means 0 cents. */
export function optionalAmountCents() {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return 0;
        const cents = parseEurosToCents(v);
        if (cents === null) {
          ctx.addIssue({ code: 'custom', message: 'Saisissez un montant positif en euros, par exemple 1 234,56' });
          return z.NEVER;
        }
        return cents;
      }),
  );
}

export function optionalSiret() {
  return z.preprocess(
    (v) => blankToUndefined(typeof v === 'string' ? compactDigits(v) : v),
    z
      .string()
      .regex(/^\d{14}$/, { error: 'Le SIRET compte 14 chiffres' })
      .refine(isValidSiret, { error: 'Ce numéro SIRET n’est pas valide (clé de contrôle incorrecte)' })
      .optional(),
  );
}

/** An IBAN, checked by its mod-97 key and the SEPA zone, stored compact ("FR7630006000011234567890189"). */
export function ibanField(missing = 'Saisissez l’IBAN') {
  return z.preprocess(
    blankToUndefined,
    z
      .string({ error: missing })
      .max(60, { error: missing })
      .superRefine((v, ctx) => {
        const problem = ibanProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform(compactIban),
  );
}

/** A BIC (8 or 11 characters), when given; stored without spaces, in capitals. */
export function optionalBicField() {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(20)
      .superRefine((v, ctx) => {
        const problem = bicProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform((v) => v.replace(/\s/g, '').toUpperCase())
      .optional(),
  );
}
