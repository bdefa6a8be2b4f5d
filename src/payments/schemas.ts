import { z } from 'zod';
import { checkbox, ibanField, optionalBicField, optionalEmail, optionalText, requiredText, versionField } from '../shared/form-fields';
import { REJECTION_REASONS, type RejectionCode } from './transfers/rejections';

/** A bank account as a person types it: holder, IBAN (mod-97 checked), BIC when known. */
export const bankAccountSchema = z.object({
  holderName: requiredText('Saisissez le nom du titulaire du compte', 140),
  iban: ibanField('Saisissez l’IBAN, par exemple FR76 3000 6000 0112 3456 7890 189'),
  bic: optionalBicField(),
});

export const supplierSchema = bankAccountSchema.extend({
  name: requiredText('Saisissez le nom du bénéficiaire', 140),
  noticeEmail: optionalEmail(),
});

export const supplierEditSchema = z.object({
  name: requiredText('Saisissez le nom du bénéficiaire', 140),
  noticeEmail: optionalEmail(),
  archived: checkbox(),
  version: versionField(),
});

export const reviewSchema = z.object({
  decision: z.enum(['confirm', 'reject'], { error: 'Choisissez de confirmer ou de refuser le compte' }),
  comment: optionalText(500),
  version: versionField(),
});

export const debtorAccountSchema = bankAccountSchema.extend({
  label: requiredText('Donnez un nom au compte, par exemple « Compte courant »', 80),
  isDefault: checkbox(),
  active: checkbox(),
});

export const debtorAccountEditSchema = debtorAccountSchema.extend({ version: versionField() });

export const aidTypeAccountSchema = z.object({
  aidTypeId: z.uuid({ error: 'Aide inconnue' }),
  account: z.preprocess((v) => (v === '' ? null : v), z.uuid({ error: 'Compte inconnu' }).nullable()),
});

export const batchActionSchema = z.object({ version: versionField() });

/** The hidden field of a confirmation page: an irreversible POST acts only with it. */
const confirmation = () => z.literal('oui', { error: 'Vérifiez ce qui va se passer, puis confirmez' });

export const batchCancelSchema = z.object({
  reason: requiredText('Indiquez pourquoi le lot est annulé', 300),
  version: versionField(),
  confirmation: confirmation(),
});

const CODES = Object.keys(REJECTION_REASONS) as [RejectionCode, ...RejectionCode[]];

export const rejectSchema = z.object({
  code: z.enum(CODES, { error: 'Choisissez le motif donné par la banque' }),
  comment: optionalText(300),
});

export const reissueSchema = z.object({ version: versionField() });

export const cancelInstalmentsSchema = z.object({
  reason: requiredText('Indiquez pourquoi les échéances restantes sont annulées (par exemple : le locataire a quitté le logement)', 300),
  confirmation: confirmation(),
});
