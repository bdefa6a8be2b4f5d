import { z } from 'zod';
import { ROLES } from '../permissions/roles';
import { checkbox, choice, optionalPhone, optionalText, requiredEmail, requiredText, versionField } from '../shared/form-fields';

const uuidOrEmpty = z.preprocess((v) => (v === '' ? undefined : v), z.uuid({ error: 'Choisissez une valeur de la liste' }).optional());

const userFields = {
  firstName: requiredText('Saisissez le prénom', 100),
  lastName: requiredText('Saisissez le nom', 100),
  email: requiredEmail(),
  phone: optionalPhone(),
  role: choice(ROLES, 'Choisissez un rôle'),
  agencyId: uuidOrEmpty,
  agencyRestricted: checkbox(),
};

export const createUserSchema = z.object({
  organisationId: z.uuid({ error: 'Choisissez l’organisation' }),
  ...userFields,
  /** Asked again when the account gets a role that moves money or manages access. */
  confirmPassword: z.string().max(1024).optional(),
});

export const updateUserSchema = z.object({
  ...userFields,
  version: versionField(),
  /** Asked again when the role or the e-mail changes (re-authentication before a sensitive change). */
  confirmPassword: z.string().max(1024).optional(),
});

export const userListQuery = z.object({
  q: optionalText(100),
  organisationId: z.uuid().optional().catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  status: z.enum(['active', 'deactivated']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).catch(1).default(1),
});

export type CreateUserInput = z.infer<typeof createUserSchema>;
export type UpdateUserInput = z.infer<typeof updateUserSchema>;
export type UserListQuery = z.infer<typeof userListQuery>;
