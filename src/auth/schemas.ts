import { z } from 'zod';
import { requiredEmail } from '../shared/form-fields';
import { normaliseRecoveryCode } from './second-factor';

const password = (missing: string) => z.string({ error: missing }).min(1, { error: missing }).max(1024, { error: 'Ce mot de passe est trop long' });

export const loginSchema = z.object({
  email: requiredEmail('Saisissez votre adresse e-mail'),
  password: password('Saisissez votre mot de passe'),
});

/** A TOTP code (six digits, spaces and dashes forgiven), or a recovery code (twelve letters and digits). */
export const secondFactorSchema = z.object({
  code: z
    .string({ error: 'Saisissez le code à 6 chiffres' })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(
      z
        .string()
        .refine((v) => /^\d{6}$/.test(v) || normaliseRecoveryCode(v) !== null, { error: 'Saisissez les 6 chiffres du code affiché par votre application' }),
    )
    .transform((v) => (/^\d{6}$/.test(v) ? v : (normaliseRecoveryCode(v) as string))),
});

/** The code mailed before enrolment: six digits. */
export const enrolmentCodeSchema = z.object({
  code: z
    .string({ error: 'Saisissez le code à 6 chiffres reçu par courriel' })
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, { error: 'Saisissez les 6 chiffres du code reçu par courriel' })),
});

/** Re-authentication fields on a sensitive form (read by the identity gate). */
export const identityFields = {
  confirmPassword: z.string().max(1024).optional(),
  confirmCode: z.string().max(64).optional(),
};

export const forgotPasswordSchema = z.object({
  email: requiredEmail('Saisissez votre adresse e-mail'),
});

const newPasswordFields = {
  newPassword: password('Saisissez un nouveau mot de passe'),
  confirmPassword: password('Confirmez le nouveau mot de passe'),
};

const samePasswords = (v: { newPassword: string; confirmPassword: string }, ctx: z.RefinementCtx) => {
  if (v.newPassword !== v.confirmPassword) {
    ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'Les deux mots de passe ne sont pas identiques' });
  }
};

export const setPasswordSchema = z.object(newPasswordFields).superRefine(samePasswords);

export const changePasswordSchema = z
  .object({ currentPassword: password('Saisissez votre mot de passe actuel'), ...newPasswordFields })
  .superRefine(samePasswords);

export type LoginInput = z.infer<typeof loginSchema>;
export type SetPasswordInput = z.infer<typeof setPasswordSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
