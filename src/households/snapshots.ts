import type { PersonFields } from './persons-repository';
import type { DwellingFields } from './repository';
import type { CreateHouseholdInput, PersonInput, UpdateHouseholdInput, UpdatePersonInput } from './schemas';

/** Conversions between form input, stored fields and audit snapshots for households and persons. */
export const dwellingSnapshot = (d: DwellingFields): Record<string, unknown> => ({
  addressLine1: d.addressLine1,
  addressLine2: d.addressLine2,
  postcode: d.postcode,
  city: d.city,
  housingEstate: d.housingEstate,
  tenancyReference: d.tenancyReference,
  entryDate: d.entryDate,
  rentCents: d.rentCents,
  chargesCents: d.chargesCents,
  housingAllowanceCents: d.housingAllowanceCents,
});

export const personSnapshot = (p: PersonFields): Record<string, unknown> => ({
  civility: p.civility,
  lastName: p.lastName,
  firstNames: p.firstNames,
  birthDate: p.birthDate,
  email: p.email,
  phone: p.phone,
  employmentStatus: p.employmentStatus,
  employerName: p.employerName,
  employerSiret: p.employerSiret,
  resourceSalary: p.resources.salary,
  resourceUnemployment: p.resources.unemployment,
  resourceCaf: p.resources.caf,
  resourcePension: p.resources.pension,
  resourceRsa: p.resources.rsa,
  resourceOther: p.resources.other,
});

export function toDwelling(i: UpdateHouseholdInput | CreateHouseholdInput): DwellingFields {
  return {
    addressLine1: i.addressLine1,
    addressLine2: i.addressLine2 ?? null,
    postcode: i.postcode,
    city: i.city,
    housingEstate: i.housingEstate ?? null,
    tenancyReference: i.tenancyReference,
    entryDate: i.entryDate ?? null,
    rentCents: i.rent,
    chargesCents: i.charges,
    housingAllowanceCents: i.housingAllowance,
  };
}

export function toPersonFields(i: PersonInput | UpdatePersonInput): PersonFields {
  const employed = i.employmentStatus === 'private_employee' || i.employmentStatus === 'public_employee' || i.employmentStatus === 'self_employed';
  return {
    civility: i.civility ?? null,
    lastName: i.lastName,
    firstNames: i.firstNames,
    birthDate: i.birthDate,
    email: i.email ?? null,
    phone: i.phone ?? null,
    employmentStatus: i.employmentStatus,
    employerName: employed ? (i.employerName ?? null) : null,
    employerSiret: employed ? (i.employerSiret ?? null) : null,
    resources: {
      salary: i.resourceSalary,
      unemployment: i.resourceUnemployment,
      caf: i.resourceCaf,
      pension: i.resourcePension,
      rsa: i.resourceRsa,
      other: i.resourceOther,
    },
  };
}
