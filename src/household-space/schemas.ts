import { z } from 'zod';
import { optionalText, requiredEmail } from '../shared/form-fields';

export const askLinkSchema = z.object({ email: requiredEmail('Saisissez votre adresse e-mail') });

export const codeSchema = z.object({
  accessCode: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\s+/g, '') : v),
    z.string({ error: 'Saisissez le code à 6 chiffres reçu par courriel' }).regex(/^\d{6}$/, { error: 'Le code a 6 chiffres, par exemple 123456' }),
  ),
});

export const HOUSEHOLD_RIGHTS = {
  access: 'Savoir quelles informations sont gardées sur moi (et en recevoir une copie)',
  rectification: 'Faire corriger une information fausse',
  erasure: 'Faire effacer mes informations',
  restriction: 'Faire geler l’utilisation de mes informations',
  objection: 'M’opposer à l’utilisation de mes informations',
  portability: 'Recevoir mes informations dans un fichier',
} as const;

export const rightSchema = z.object({
  kind: z.enum(Object.keys(HOUSEHOLD_RIGHTS) as [keyof typeof HOUSEHOLD_RIGHTS], { error: 'Choisissez ce que vous voulez faire' }),
  details: optionalText(2000),
});
