import { centsToInput } from '../shared/money';
import type { Person } from './persons-repository';
import type { Household } from './repository';

const amount = (cents: number) => (cents ? centsToInput(cents) : '');

/** What an edit form shows for a stored household or person (amounts as typed: "1234,56"). */
export const dwellingValues = (h: Household) => ({
  addressLine1: h.addressLine1,
  addressLine2: h.addressLine2 ?? '',
  postcode: h.postcode,
  city: h.city,
  housingEstate: h.housingEstate ?? '',
  tenancyReference: h.tenancyReference,
  entryDate: h.entryDate ?? '',
  rent: centsToInput(h.rentCents),
  charges: amount(h.chargesCents),
  housingAllowance: amount(h.housingAllowanceCents),
  version: h.version,
});

export const personValues = (p: Person) => ({
  civility: p.civility ?? '',
  lastName: p.lastName,
  firstNames: p.firstNames,
  birthDate: p.birthDate,
  email: p.email ?? '',
  phone: p.phone ?? '',
  employmentStatus: p.employmentStatus,
  employerName: p.employerName ?? '',
  employerSiret: p.employerSiret ?? '',
  resourceSalary: amount(p.resources.salary),
  resourceUnemployment: amount(p.resources.unemployment),
  resourceCaf: amount(p.resources.caf),
  resourcePension: amount(p.resources.pension),
  resourceRsa: amount(p.resources.rsa),
  resourceOther: amount(p.resources.other),
  version: p.version,
});
