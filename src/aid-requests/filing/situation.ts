import type { Situation } from '../../aid-types/eligibility';
import type { EmploymentStatus } from '../../households/labels';
import type { Person } from '../../households/persons-repository';
import type { Household } from '../../households/repository';
import { centsToInput } from '../../shared/money';
import { type Cause, MAX_MEMBERS, type SituationInput } from './schemas';

/** The household's situation as filed with the request (a snapshot: later household edits do not change it). */
export interface SituationSnapshot {
  rentCents: number;
  chargesCents: number;
  housingAllowanceCents: number;
  fixedChargesCents: number;
  arrearsCents: number;
  arrearsMonths: number | null;
  cause: Cause | null;
  causeComment: string | null;
  chargesIncreaseMonthlyCents: number;
  chargesRegularisationCents: number;
  members: Array<{ personId: string; name: string; employmentStatus: EmploymentStatus; resourcesCents: number }>;
}

const total = (p: Person) => Object.values(p.resources).reduce((a, b) => a + b, 0);

/** The starting point of a new request: the household as it is today. */
export function snapshotFromHousehold(h: Household, people: Person[]): SituationSnapshot {
  return {
    rentCents: h.rentCents,
    chargesCents: h.chargesCents,
    housingAllowanceCents: h.housingAllowanceCents,
    fixedChargesCents: 0,
    arrearsCents: 0,
    arrearsMonths: null,
    cause: null,
    causeComment: null,
    chargesIncreaseMonthlyCents: 0,
    chargesRegularisationCents: 0,
    members: people
      .slice(0, MAX_MEMBERS)
      .map((p) => ({ personId: p.id, name: `${p.firstNames} ${p.lastName}`, employmentStatus: p.employmentStatus, resourcesCents: total(p) })),
  };
}

/** The situation form applied to the snapshot (members stay those of the snapshot). */
export function applySituation(s: SituationSnapshot, i: SituationInput): SituationSnapshot {
  const inputs = i as unknown as Record<string, number | undefined>;
  return {
    ...s,
    rentCents: i.rent,
    chargesCents: i.charges,
    housingAllowanceCents: i.housingAllowance,
    fixedChargesCents: i.fixedCharges,
    arrearsCents: i.arrears,
    arrearsMonths: i.arrearsMonths ?? null,
    cause: i.cause ?? null,
    causeComment: i.causeComment ?? null,
    chargesIncreaseMonthlyCents: i.chargesIncrease,
    chargesRegularisationCents: i.chargesRegularisation,
    members: s.members.map((m, index) => ({ ...m, resourcesCents: inputs[`resources_${index}`] ?? 0 })),
  };
}

/** What the situation form shows for a snapshot. */
export function situationValues(s: SituationSnapshot, version: number): Record<string, unknown> {
  const amount = (c: number) => (c ? centsToInput(c) : '');
  return {
    rent: centsToInput(s.rentCents),
    charges: amount(s.chargesCents),
    housingAllowance: amount(s.housingAllowanceCents),
    fixedCharges: amount(s.fixedChargesCents),
    arrears: amount(s.arrearsCents),
    arrearsMonths: s.arrearsMonths ?? '',
    cause: s.cause ?? '',
    causeComment: s.causeComment ?? '',
    chargesIncrease: amount(s.chargesIncreaseMonthlyCents),
    chargesRegularisation: amount(s.chargesRegularisationCents),
    version,
    ...Object.fromEntries(s.members.map((m, i) => [`resources_${i}`, amount(m.resourcesCents)])),
  };
}

/** The person the request is filed for: the holder, or the first member of the snapshot. */
export function tenantOf(s: SituationSnapshot): string {
  return s.members[0]?.name ?? '';
}

/** The snapshot as the eligibility rules read it. */
export function toEligibilitySituation(
  s: SituationSnapshot,
  extra: {
    today: string;
    landlordActive: boolean;
    requestedCents: number | null;
    requestedMonths: number | null;
    previousAids: Situation['previousAids'];
    documents?: Situation['documents'];
    ownGrant?: Situation['ownGrant'];
  },
): Situation {
  return {
    today: extra.today,
    rentCents: s.rentCents,
    chargesCents: s.chargesCents,
    housingAllowanceCents: s.housingAllowanceCents,
    resourcesCents: s.members.reduce((sum, m) => sum + m.resourcesCents, 0),
    fixedChargesCents: s.fixedChargesCents,
    personCount: s.members.length,
    members: s.members.map((m) => ({ employmentStatus: m.employmentStatus })),
    landlordActive: extra.landlordActive,
    requestedCents: extra.requestedCents,
    requestedMonths: extra.requestedMonths,
    chargesIncreaseMonthlyCents: s.chargesIncreaseMonthlyCents,
    chargesRegularisationCents: s.chargesRegularisationCents,
    previousAids: extra.previousAids,
    documents: extra.documents,
    ownGrant: extra.ownGrant ?? null,
  };
}
