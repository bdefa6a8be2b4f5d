import type { Knex } from 'knex';
import type { RequestStatus } from '../../src/aid-requests/state-machine';
import { DEMO_AID_TYPES } from '../../seeds/aid-types';

let sequence = 0;

const SITUATION = {
  rentCents: 52000,
  chargesCents: 8000,
  housingAllowanceCents: 10000,
  fixedChargesCents: 0,
  arrearsCents: 0,
  arrearsMonths: null,
  cause: 'job_loss',
  causeComment: null,
  chargesIncreaseMonthlyCents: 0,
  chargesRegularisationCents: 0,
  members: [{ personId: '00000000-0000-0000-0000-000000000001', name: 'Julie Martin', employmentStatus: 'private_employee', resourcesCents: 150000 }],
};

export interface RequestOverrides {
  organisationId: string;
  householdId: string;
  aidTypeId: string;
  createdBy: string;
  status?: RequestStatus;
  requestedCents?: number;
  requestedMonths?: number;
  assignedTo?: string;
  agencyId?: string;
  tenantName?: string;
  /** the ASD case number of the orientation it comes from */
  orientationAsd?: string;
}

/** A draft request of a landlord for one of its households, with a plausible situation snapshot. */
export async function insertDraftRequest(knex: Knex, o: RequestOverrides): Promise<string> {
  return insertRequest(knex, { ...o, status: 'draft' });
}

/**
 * A request in any status, written directly (for authorisation and transition tests): a non-draft
 * one gets a reference, the aid type's latest rules version and a payee, as submission would.
 */
export async function insertRequest(knex: Knex, o: RequestOverrides): Promise<string> {
  sequence += 1;
  const status = o.status ?? 'draft';
  const submitted = status !== 'draft';
  const version = submitted ? await knex('aid_type_versions').where({ aid_type_id: o.aidTypeId }).orderBy('number', 'desc').first('id') : null;
  let versionId = version?.id as string | undefined;
  if (submitted && !versionId) {
    const [v] = await knex('aid_type_versions')
      .insert({ aid_type_id: o.aidTypeId, number: 1, effective_from: '2026-01-01', rules: JSON.stringify(DEMO_AID_TYPES[0]?.versions[1]?.rules), notes: '' })
      .returning('id');
    versionId = (v as { id: string }).id;
  }
  const [row] = await knex('aid_requests')
    .insert({
      organisation_id: o.organisationId,
      household_id: o.householdId,
      aid_type_id: o.aidTypeId,
      situation: JSON.stringify(SITUATION),
      created_by: o.createdBy,
      status,
      requested_cents: o.requestedCents ?? 120000,
      requested_months: o.requestedMonths ?? null,
      agency_id: o.agencyId ?? null,
      tenant_name: o.tenantName ?? 'Julie Martin',
      search_name: 'martin julie',
      reference: submitted ? `2099-${String(90000 + sequence).padStart(5, '0')}` : null,
      aid_type_version_id: versionId ?? null,
      submitted_at: submitted ? new Date('2026-11-10T10:00:00Z') : null,
      assigned_to: o.assignedTo ?? null,
      orientation_asd: o.orientationAsd ?? null,
      payee_kind: 'landlord',
      payee_name: 'Bailleur Alpha',
      payee_iban: 'FR7630006000011234567890189',
      payee_bic: 'BNPAFRPPXXX',
      consent: JSON.stringify({ informed: true, date: '2026-11-10', method: 'paper_signed', recordedBy: 'Test', noticeVersion: '2026-01' }),
      decided_at: ['granted', 'refused', 'adjourned', 'in_payment', 'paid', 'closed'].includes(status) ? new Date('2026-11-15T10:00:00Z') : null,
      granted_cents: ['granted', 'in_payment', 'paid', 'closed'].includes(status) ? (o.requestedCents ?? 120000) : null,
      adjourned_until: status === 'adjourned' ? '2026-12-31' : null,
    })
    .returning('id');
  return (row as { id: string }).id;
}
