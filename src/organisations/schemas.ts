import { z } from 'zod';
import { ORGANISATION_KINDS } from '../permissions/roles';
import {
  choice,
  optionalDate,
  optionalEmail,
  optionalPhone,
  optionalPostcode,
  optionalSiren,
  optionalText,
  requiredText,
  versionField,
} from '../shared/form-fields';

const organisationFields = {
  name: requiredText('Saisissez le nom de l’organisation', 160),
  siren: optionalSiren(),
  addressLine1: optionalText(160),
  addressLine2: optionalText(160),
  postcode: optionalPostcode(),
  city: optionalText(100),
  email: optionalEmail(),
  phone: optionalPhone(),
  memberSince: optionalDate(),
};

/** Landlords are identified by their SIREN: it is required for them. */
const sirenRequiredForLandlords = (o: { kind: string; siren?: string }, ctx: z.RefinementCtx) => {
  if (o.kind === 'landlord' && !o.siren) ctx.addIssue({ code: 'custom', path: ['siren'], message: 'Saisissez le numéro SIREN du bailleur' });
};

export const createOrganisationSchema = z
  .object({ kind: choice(ORGANISATION_KINDS, 'Choisissez le type d’organisation'), ...organisationFields })
  .superRefine(sirenRequiredForLandlords);

export const updateOrganisationSchema = z
  .object({
    kind: choice(ORGANISATION_KINDS, 'Choisissez le type d’organisation'),
    ...organisationFields,
    status: choice(['active', 'suspended'] as const, 'Choisissez le statut'),
    version: versionField(),
  })
  .superRefine(sirenRequiredForLandlords);

export const agencySchema = z.object({
  name: requiredText('Saisissez le nom de l’agence', 120),
  postcode: optionalPostcode(),
  city: optionalText(100),
});

export const updateAgencySchema = agencySchema.extend({
  status: choice(['active', 'closed'] as const, 'Choisissez le statut de l’agence'),
  version: versionField(),
});

export const organisationListQuery = z.object({
  q: optionalText(100),
  kind: z.enum(ORGANISATION_KINDS).optional().catch(undefined),
  status: z.enum(['active', 'suspended']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).catch(1).default(1),
});

export type CreateOrganisationInput = z.infer<typeof createOrganisationSchema>;
export type UpdateOrganisationInput = z.infer<typeof updateOrganisationSchema>;
export type AgencyInput = z.infer<typeof agencySchema>;
export type UpdateAgencyInput = z.infer<typeof updateAgencySchema>;
export type OrganisationListQuery = z.infer<typeof organisationListQuery>;
