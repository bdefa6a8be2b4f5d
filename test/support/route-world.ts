import type { Express } from 'express';
import type { Knex } from 'knex';
import { buildWorld, type World } from '../factories/world';
import { insertUser } from '../factories/user';
import { insertHousehold, insertPerson } from '../factories/household';
import { buildHouseholdDocumentsWorld } from './route-world-documents';
import { buildSatisfactionWorld } from './route-world-satisfaction';
import { buildConsentWorld } from './route-world-consent';
import { buildBookingWorld } from './route-world-booking';
import { insertDraftRequest, insertRequest } from '../factories/request';

/**
 * The records every route of the app can be tried on (the route × role matrix and the fuzz test):
 * landlord A's households, a draft and a submitted request with documents, messages and decisions,
 * payments, a batch, ledger entries, a closed mission with its appointment, a rights request, a
 * mail. Numbers (ledger entry 2026-900001, mission M2026-90001) stay clear of the application's own
 * counters, so a real post that creates one does not collide with them.
 */
export type Persona =
  | 'anonymous'
  | 'admin'
  | 'operator'
  | 'social_adviser'
  | 'accountant'
  | 'auditor'
  | 'adminA'
  | 'instructorA'
  | 'adminB'
  // the household space's sessions (no account): household A's holder, and another household's
  | 'menage'
  | 'menageB';
export type HouseholdPersona = 'menage' | 'menageB';

/** The e-mail each logged-in persona signs in with. */
export const personaEmails = (world: World): Record<Exclude<Persona, 'anonymous' | HouseholdPersona>, string> => ({
  admin: world.users.admin.email,
  operator: world.users.operator.email,
  social_adviser: world.users.social_adviser.email,
  accountant: world.users.accountant.email,
  auditor: world.users.auditor.email,
  adminA: world.users.adminA.email,
  instructorA: world.users.instructorA.email,
  adminB: world.users.adminB.email,
});

/** A layer of Express's router stack (what the route lists are read from). */
export interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[]; routers?: Array<{ stack: Layer[] }> };
}

/** Lists "METHOD /path" for every route registered in the app, sorted. */
export function registeredRoutes(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on) out.add(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
      // the areas' routers behind their dispatcher (src/http/area-routers.ts)
      else if (layer.handle?.routers) for (const router of layer.handle.routers) walk(router.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...out].sort();
}

export interface RouteWorld {
  world: World;
  /** The user the /utilisateurs/:id routes act on (a landlord A account that is none of the personas). */
  targetUserId: string;
  /** A household of landlord A (two members), its second membership, and a duplicate suspicion. */
  householdA: { id: string; holderId: string; membershipIds: string[] };
  suspicionId: string;
  aidTypeId: string;
  /** A draft of landlord A with a document. */
  requestId: string;
  documentId: string;
  /** A submitted request of landlord A with a message attachment and a decision letter, and a filter of the operator. */
  submittedId: string;
  attachmentId: string;
  decisionId: string;
  filterId: string;
  /** Payments: a bank account with its RIB, a supplier, a debtor account, an approved batch and its paid payment, job runs, ledger, mission, a file sent to the funder and a record it refused… */
  pay: Record<string, string>;
  params: Record<string, string>;
  /** The household space: its personas' persons (with an e-mail) and the ids its routes' parameters take (`:requestId` → household[requestId]). */
  household: Record<string, string>;
  /** A blob any record may point to. */
  blobId: string;
}

export async function buildRouteWorld(knex: Knex): Promise<RouteWorld> {
  const pay: Record<string, string> = {};
  const world = await buildWorld(knex);
  const targetUserId = (await insertUser(knex, { organisationId: world.landlordA.id, role: 'landlord_instructor', email: 'cible@alpha.test' })).id;
  const householdA = await insertHousehold(knex, world.landlordA.id, {
    members: [{ personId: await insertPerson(knex) }, { personId: await insertPerson(knex), relationship: 'child' }],
  });
  const [s] = await knex('duplicate_suspicions')
    .insert({ person_id: householdA.holderId, match_id: await insertPerson(knex), reasons: ['identity'], reported_by: world.users.instructorA.id })
    .returning('id');
  const suspicionId = (s as { id: string }).id;
  const [aid] = await knex('aid_types')
    .insert({ code: 'TST', label: 'Aide test', payees: ['landlord'] })
    .returning('id');
  const aidTypeId = (aid as { id: string }).id;
  const requestId = await insertDraftRequest(knex, {
    organisationId: world.landlordA.id,
    householdId: householdA.id,
    aidTypeId,
    createdBy: world.users.instructorA.id,
  });
  const [blob] = await knex('blobs')
    .insert({ content_type: 'application/pdf', size: 5, sha256: 'x', data: Buffer.from('%PDF-') })
    .returning('id');
  const [doc] = await knex('request_documents')
    .insert({
      request_id: requestId,
      kind: 'tax_notice',
      filename: 'avis.pdf',
      blob_id: (blob as { id: string }).id,
      version: 1,
      uploaded_by: world.users.instructorA.id,
    })
    .returning('id');
  const documentId = (doc as { id: string }).id;
  const submittedId = await insertRequest(knex, {
    organisationId: world.landlordA.id,
    householdId: householdA.id,
    aidTypeId,
    createdBy: world.users.instructorA.id,
    status: 'in_review',
  });
  const [event] = await knex('request_events')
    .insert({ request_id: submittedId, actor_label: 'Test', kind: 'message', message: 'Bonjour', visibility: 'shared' })
    .returning('id');
  const [att] = await knex('request_attachments')
    .insert({ request_id: submittedId, event_id: (event as { id: string }).id, blob_id: (blob as { id: string }).id, filename: 'a.pdf' })
    .returning('id');
  const attachmentId = (att as { id: string }).id;
  const [decision] = await knex('decisions')
    .insert({
      request_id: submittedId,
      kind: 'refuse',
      status: 'returned',
      reason_code: 'other',
      needs_validation: true,
      proposed_by: world.users.operator.id,
      proposed_by_label: 'Op',
      proposed_at: new Date(),
      letter_blob_id: (blob as { id: string }).id,
    })
    .returning('id');
  const decisionId = (decision as { id: string }).id;
  const [filter] = await knex('saved_filters')
    .insert({ user_id: world.users.operator.id, list: 'instruction', name: 'Mes AQ', query: JSON.stringify({ q: 'onglet=a_prendre' }) })
    .returning('id');
  const filterId = (filter as { id: string }).id;
  const [payee] = await knex('payees').insert({ kind: 'landlord', organisation_id: world.landlordA.id, name: 'Bailleur Alpha' }).returning('id');
  pay.payee = (payee as { id: string }).id;
  const [account] = await knex('bank_accounts')
    .insert({
      payee_id: pay.payee,
      holder_name: 'Bailleur Alpha',
      iban: 'FR7630006000011234567890189',
      rib_blob_id: (blob as { id: string }).id,
      rib_filename: 'rib.pdf',
      status: 'pending',
      submitted_by: world.users.adminA.id,
      submitted_by_label: 'Admin A',
      submitted_at: new Date(),
    })
    .returning('id');
  pay.account = (account as { id: string }).id;
  const [supplier] = await knex('payees').insert({ kind: 'supplier', name: 'Fournisseur' }).returning('id');
  pay.supplier = (supplier as { id: string }).id;
  const [debtor] = await knex('debtor_accounts')
    .insert({ label: 'Courant', holder_name: 'Association', iban: 'FR1420041010050500013M02606', is_default: true })
    .returning('id');
  pay.debtor = (debtor as { id: string }).id;
  const [grant] = await knex('decisions')
    .insert({
      request_id: submittedId,
      kind: 'grant',
      status: 'applied',
      amount_cents: 1000,
      instalments: 1,
      first_due_date: '2026-11-01',
      needs_validation: false,
      proposed_by: world.users.operator.id,
      proposed_by_label: 'Op',
      proposed_at: new Date(),
    })
    .returning('id');
  const [payment] = await knex('payments')
    .insert({
      request_id: submittedId,
      decision_id: (grant as { id: string }).id,
      organisation_id: world.landlordA.id,
      instalment: 1,
      instalments: 1,
      amount_cents: 1000,
      due_date: '2026-11-01',
      payee_kind: 'landlord',
      payee_name: 'Bailleur Alpha',
      payee_iban: 'FR7630006000011234567890189',
      payee_id: pay.payee,
      status: 'sent',
      end_to_end_id: 'E2099-00001-01',
    })
    .returning('id');
  pay.payment = (payment as { id: string }).id;
  const [confirmed] = await knex('bank_accounts')
    .insert({
      payee_id: pay.payee,
      holder_name: 'Bailleur Alpha',
      iban: 'FR7630001007941234567890185',
      status: 'confirmed',
      submitted_by_label: 'X',
      submitted_at: new Date(),
      reviewed_by_label: 'Y',
      reviewed_at: new Date(),
    })
    .returning('id');
  const [batch] = await knex('payment_batches')
    .insert({
      number: 1,
      debtor_account_id: pay.debtor,
      execution_date: '2026-11-02',
      msg_id: 'ENTRAIDE-20261102-000001',
      payment_info_id: 'LOT-1',
      status: 'approved',
      transaction_count: 1,
      control_sum_cents: 1000,
      file_blob_id: (blob as { id: string }).id,
      file_name: 'lot.xml',
      file_sha256: 'x',
      generated_by_label: 'Planificateur',
      generated_at: new Date(),
      approved_by: world.users.accountant.id,
      approved_by_label: 'Compta',
      approved_at: new Date(),
    })
    .returning('id');
  pay.batch = (batch as { id: string }).id;
  await knex('payment_batch_items').insert({
    batch_id: pay.batch,
    payment_id: pay.payment,
    end_to_end_id: 'E2099-00001-01',
    amount_cents: 1000,
    bank_account_id: (confirmed as { id: string }).id,
    creditor_name: 'Bailleur Alpha',
    iban: 'FR7630001007941234567890185',
    remittance: 'AIDE',
  });
  const [failedRun] = await knex('job_runs')
    .insert({ job: 'sepa-batches', period_key: '2020-01-01', status: 'failed', started_by: 'Test', started_at: new Date(), error: 'panne' })
    .returning('id');
  pay.failedRun = (failedRun as { id: string }).id;
  const [doneRun] = await knex('job_runs')
    .insert({
      job: 'sepa-batches',
      period_key: '2020-01-02',
      status: 'succeeded',
      started_by: 'Test',
      started_at: new Date(),
      outputs: JSON.stringify([{ label: 'Lot', fileName: 'lot.xml', blobId: (blob as { id: string }).id, contentType: 'application/xml' }]),
    })
    .returning('id');
  pay.doneRun = (doneRun as { id: string }).id;
  // an entry and its lines commit together (the balance is checked at commit)
  pay.entry = await knex.transaction(async (trx) => {
    const [entry] = await trx('ledger_entries')
      .insert({
        fiscal_year: 2026,
        journal_code: 'OD',
        number: 900001,
        number_text: '2026-900001',
        entry_date: '2026-11-23',
        piece_ref: '2099-00001',
        piece_date: '2026-11-23',
        label: 'Aide',
        validated_at: new Date(),
        source_type: 'grant',
        created_by_label: 'Test',
      })
      .returning('id');
    await trx('ledger_lines').insert([
      { entry_id: (entry as { id: string }).id, line_no: 1, account_number: '6571', account_label: 'Aides', label: 'Aide', debit_cents: 1000 },
      { entry_id: (entry as { id: string }).id, line_no: 2, account_number: '4672', account_label: 'Tiers', label: 'Aide', credit_cents: 1000 },
    ]);
    return (entry as { id: string }).id;
  });
  const [accExport] = await knex('accounting_exports')
    .insert({
      number: 1,
      created_at: new Date(),
      file_blob_id: (blob as { id: string }).id,
      file_name: 'ecritures.csv',
      entries: 1,
      lines: 2,
      debit_cents: 1000,
      credit_cents: 1000,
    })
    .returning('id');
  pay.export = (accExport as { id: string }).id;
  // landlord A's monthly report of October, archived (its administrator reads it, landlord B's does not: 404)
  const [reportBlob] = await knex('blobs')
    .insert({ content_type: 'application/pdf', size: 8, sha256: '0'.repeat(64), data: Buffer.from('%PDF-1.7') })
    .returning('id');
  const [report] = await knex('monthly_reports')
    .insert({
      month: '2026-10',
      organisation_id: world.landlordA.id,
      pdf_blob_id: (reportBlob as { id: string }).id,
      xlsx_blob_id: (reportBlob as { id: string }).id,
      recipients: 1,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id');
  pay.monthlyReport = (report as { id: string }).id;
  // a weekly self-audit report (association administrators and the auditor read it; deactivating from it is the administrators')
  const [selfAuditReport] = await knex('self_audit_reports')
    .insert({
      period_key: '2026-W47',
      covers_from: new Date('2026-11-08T23:00:00Z'),
      covers_to: new Date('2026-11-15T23:00:00Z'),
      ok_count: 0,
      review_count: 0,
      alert_count: 0,
      report: JSON.stringify({ checks: [] }),
      text_body: 'Rien à signaler cette semaine.',
      recipients: 1,
      created_at: new Date(),
    })
    .returning('id');
  pay.selfAudit = (selfAuditReport as { id: string }).id;
  // a fund (budget envelope) paying AQ this year, landlord A's dwellings as its only contribution
  const [fund] = await knex('funds')
    .insert({
      name: 'Fonds de la matrice',
      analytic_code: 'MATRICE',
      starts_on: '2026-01-01',
      ends_on: '2026-12-31',
      aid_type_codes: ['AQ'],
      total_cents: 500_000,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id');
  pay.fund = (fund as { id: string }).id;
  await knex('fund_contributions').insert({
    fund_id: pay.fund,
    position: 1,
    kind: 'landlord',
    organisation_id: world.landlordA.id,
    dwellings: 1000,
    per_dwelling_cents: 500,
  });
  // a mission of landlord A, assigned to the adviser, closed with its report, with one appointment
  const [missionType] = await knex('mission_types')
    .insert({ code: 'DIAG', label: 'Diagnostic', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 })
    .returning('id');
  pay.missionType = (missionType as { id: string }).id;
  const [mission] = await knex('missions')
    .insert({
      reference: 'M2026-90001',
      organisation_id: world.landlordA.id,
      household_id: householdA.id,
      mission_type_id: pay.missionType,
      status: 'completed',
      origin: 'association',
      reason: 'Test',
      planned_minutes: 240,
      ordered_by: world.users.operator.id,
      ordered_by_label: 'Op',
      ordered_at: new Date(),
      adviser_id: world.users.social_adviser.id,
      consent: JSON.stringify({ date: '2026-11-20', method: 'in_person', recordedBy: 'x' }),
      report_blob_id: (blob as { id: string }).id,
      ended_at: new Date(),
    })
    .returning('id');
  pay.mission = (mission as { id: string }).id;
  // the household space: household A's holder (persona menage) and another household's (menageB) have an e-mail
  const household: Record<string, string> = {};
  await knex('persons').where({ id: householdA.holderId }).update({ email: 'menage.a@exemple.fr' });
  household.personA = householdA.holderId;
  household.personB = (
    await insertHousehold(knex, world.landlordB.id, { members: [{ personId: await insertPerson(knex, { email: 'menage.b@exemple.fr' }) }] })
  ).holderId;
  household.requestId = submittedId;
  household.missionId = pay.mission;
  const [letter] = await knex('decisions')
    .insert({
      request_id: submittedId,
      kind: 'refuse',
      status: 'applied',
      reason_code: 'other',
      needs_validation: false,
      proposed_by: world.users.operator.id,
      proposed_by_label: 'Op',
      proposed_at: new Date(),
      letter_blob_id: (blob as { id: string }).id,
    })
    .returning('id');
  household.letterId = (letter as { id: string }).id;
  Object.assign(
    household,
    await buildHouseholdDocumentsWorld(knex, {
      requestId: submittedId,
      personId: householdA.holderId,
      askedBy: world.users.operator.id,
      blobId: (blob as { id: string }).id,
    }),
  );
  Object.assign(household, await buildSatisfactionWorld(knex, { missionId: pay.mission, personId: householdA.holderId }));
  Object.assign(household, await buildConsentWorld(knex, { requestId: submittedId, personId: householdA.holderId, blobId: (blob as { id: string }).id }));
  Object.assign(
    household,
    await buildBookingWorld(knex, { householdId: householdA.id, organisationId: world.landlordA.id, adviserId: world.users.social_adviser.id }),
  );
  const [rightsRequest] = await knex('rights_requests')
    .insert({
      person_id: householdA.holderId,
      kind: 'access',
      received_on: '2026-11-20',
      due_on: '2026-12-20',
      channel: 'mail',
      requester: 'La personne',
      created_by: world.users.admin.id,
      created_at: new Date(),
    })
    .returning('id');
  pay.rightsRequest = (rightsRequest as { id: string }).id;
  // an assistance request of landlord A's administrator with a file, and an entry of the breach register
  const [assistanceRequest] = await knex('assistance_requests')
    .insert({
      requester_id: world.users.adminA.id,
      organisation_id: world.landlordA.id,
      category: 'question',
      subject: 'Question',
      priority: 'normal',
      due_at: new Date('2026-11-23T09:00:00Z'),
      created_at: new Date('2026-11-20T09:00:00Z'),
      updated_at: new Date('2026-11-20T09:00:00Z'),
    })
    .returning('id');
  pay.assistanceRequest = (assistanceRequest as { id: string }).id;
  const [assistanceEvent] = await knex('assistance_events')
    .insert({
      request_id: pay.assistanceRequest,
      kind: 'message',
      visibility: 'shared',
      author_label: 'A',
      from_association: false,
      message: 'Bonjour',
      created_at: new Date(),
    })
    .returning('id');
  const [assistanceAttachment] = await knex('assistance_attachments')
    .insert({
      request_id: pay.assistanceRequest,
      event_id: (assistanceEvent as { id: string }).id,
      blob_id: (blob as { id: string }).id,
      filename: 'capture.pdf',
      created_at: new Date(),
    })
    .returning('id');
  pay.assistanceAttachment = (assistanceAttachment as { id: string }).id;
  const [breach] = await knex('data_breaches')
    .insert({
      nature: 'Perte',
      people_categories: 'Locataires',
      record_categories: 'Identité',
      consequences: 'Aucune',
      measures: 'Aucune',
      aware_at: new Date('2026-11-22T09:00:00Z'),
      created_by: world.users.admin.id,
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id');
  pay.breach = (breach as { id: string }).id;
  // an orientation of Action Logement's ASD service for a tenant of landlord A, waiting in the queue
  const [funderFile] = await knex('funder_files')
    .insert({
      direction: 'in',
      name: 'ALS_ORIENTATIONS_20261120_000001.jsonl',
      flow: 'ORIENTATIONS',
      sender: 'ALS',
      sequence: 1,
      period_end: '2026-11-20',
      status: 'recu',
      records: 1,
      accepted: 1,
      sha256: '0'.repeat(64),
    })
    .returning('id');
  const [orientation] = await knex('funder_orientations')
    .insert({
      record_id: 'OR-ROUTES-1',
      orientation_asd: 'ASD-2026-000001',
      file_id: (funderFile as { id: string }).id,
      line: 1,
      organisation_id: world.landlordA.id,
      oriented_on: '2026-11-19',
      last_name: 'Orientée',
      first_names: 'Paule',
      birth_date: '1980-02-03',
      record: JSON.stringify({
        id: 'OR-ROUTES-1',
        orientation_asd: 'ASD-2026-000001',
        date_orientation: '2026-11-19',
        salarie: { civilite: 'MME', nom: 'Orientée', prenoms: 'Paule', date_naissance: '1980-02-03' },
        employeur: { raison_sociale: 'Société', siret: '73282932000074' },
        logement: { bailleur_siren: '000000000', code_postal: '69003', commune: 'Lyon' },
        besoins: ['energie'],
        consentement: { date: '2026-11-18', mode: 'ecrit' },
      }),
      received_at: new Date('2026-11-20T09:00:00Z'),
    })
    .returning('id');
  pay.orientation = (orientation as { id: string }).id;
  // a SUIVI file sent to Action Logement, with its data and manifest, and one of its records the funder refused
  const [outFile] = await knex('funder_files')
    .insert({
      direction: 'out',
      name: 'ENTRAIDE_SUIVI_20261120_000001.jsonl',
      flow: 'SUIVI',
      sender: 'ENTRAIDE',
      sequence: 1,
      period_start: '2026-11-20',
      period_end: '2026-11-20',
      status: 'rejete_en_partie',
      records: 1,
      rejected: 1,
      sha256: '1'.repeat(64),
      data_blob_id: (blob as { id: string }).id,
      manifest_blob_id: (blob as { id: string }).id,
      totals: JSON.stringify({ montant_centimes: 1000 }),
      sent_at: new Date('2026-11-20T10:00:00Z'),
      acknowledged_at: new Date('2026-11-20T12:00:00Z'),
    })
    .returning('id');
  pay.funderFile = (outFile as { id: string }).id;
  const [funderRecord] = await knex('funder_records')
    .insert({
      flow: 'SUIVI',
      record_id: 'S-ROUTES-1',
      orientation_asd: 'ASD-2026-000001',
      source_type: 'mission',
      source_id: pay.mission,
      payload: JSON.stringify({
        id: 'S-ROUTES-1',
        orientation_asd: 'ASD-2026-000001',
        horodatage: '2026-11-20T09:00:00Z',
        evenement: 'accompagnement_termine',
      }),
      status: 'rejete',
      code: 'INCONNU',
      message: 'orientation_asd : dossier inconnu',
      file_id: pay.funderFile,
      sendings: 1,
      created_at: new Date('2026-11-20T09:00:00Z'),
      updated_at: new Date('2026-11-20T12:00:00Z'),
    })
    .returning('id');
  pay.funderRecord = (funderRecord as { id: string }).id;
  const [appointment] = await knex('appointments')
    .insert({
      mission_id: pay.mission,
      adviser_id: world.users.social_adviser.id,
      starts_at: new Date('2026-11-20T09:00:00Z'),
      duration_minutes: 60,
      mode: 'phone',
      place: 'Tél.',
      contact_name: 'X',
      status: 'done',
      created_at: new Date('2026-11-19T09:00:00Z'),
    })
    .returning('id');
  pay.appointment = (appointment as { id: string }).id;
  const [mail] = await knex('mail_outbox')
    .insert({ kind: 'test', to_address: 'x@exemple.fr', subject: 'Test', text_body: 'Bonjour', status: 'stored' })
    .returning('id');
  const params: Record<string, string> = {
    ':id/agences/:agencyId': `${world.landlordA.id}/agences/${world.landlordA.agencyId}`,
    ':token': 'unknown-token-aaaaaaaaaaaaaaaaaaaaaaaa',
  };
  const mailId = (mail as { id: string }).id;
  params.mail = mailId;
  const [mailAttachment] = await knex('mail_attachments')
    .insert({ mail_id: mailId, filename: 'avis.pdf', content_type: 'application/pdf', blob_id: (blob as { id: string }).id })
    .returning('id');
  params.mailAttachment = (mailAttachment as { id: string }).id;
  return {
    world,
    targetUserId,
    householdA,
    suspicionId,
    aidTypeId,
    requestId,
    documentId,
    submittedId,
    attachmentId,
    decisionId,
    filterId,
    pay,
    params,
    household,
    blobId: (blob as { id: string }).id,
  };
}

/** A concrete URL for a pattern: records of landlord A (or the association's admin pages). */
export function concreteUrl(w: RouteWorld, path: string): string {
  const { world, pay, params, householdA } = w;
  // the household space: each parameter's id for household A (its persona), named after the parameter
  if (path.startsWith('/mon-espace/'))
    return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      const id = w.household[name] ?? params[`:${name}`];
      if (!id) throw new Error(`route world: no household id for :${name} (${path})`);
      return id;
    });
  if (path.startsWith('/admin/courriels/:id')) return path.replace(':id', params.mail as string).replace(':attachmentId', params.mailAttachment as string);
  // availability: a removal's or a kind's empty POST is refused (400) before its id is looked up
  if (path.startsWith('/accompagnement/disponibilites/')) return path.replace(/:(openingId|exceptionId|kindId)/, '00000000-0000-4000-8000-000000000000');
  if (path.startsWith('/accompagnement/:id')) return path.replace(':id', pay.mission as string).replace(':appointmentId', pay.appointment as string);
  if (path.startsWith('/admin/types-accompagnement/:id')) return path.replace(':id', pay.missionType as string);
  if (path.startsWith('/paiements/lots/:id')) return path.replace(':id', pay.batch as string);
  if (path.startsWith('/comptabilite/ecritures/:id')) return path.replace(':id', pay.entry as string);
  if (path.startsWith('/comptabilite/exports/:id')) return path.replace(':id', pay.export as string);
  if (path.startsWith('/paiements/virements/:id')) return path.replace(':id', pay.payment as string);
  if (path.startsWith('/paiements/rib/:id') || path.startsWith('/comptes-bancaires/:id')) return path.replace(':id', pay.account as string);
  if (path.startsWith('/admin/beneficiaires/:id')) return path.replace(':id', pay.supplier as string);
  if (path.startsWith('/admin/comptes-emetteurs/:id')) return path.replace(':id', pay.debtor as string);
  if (path === '/admin/taches/:id/relancer') return path.replace(':id', pay.failedRun as string);
  if (path === '/admin/taches/:job/lancer') return path.replace(':job', 'mail-retry');
  if (path.startsWith('/admin/droits/:id')) return path.replace(':id', pay.rightsRequest as string);
  if (path.startsWith('/assistance/:id'))
    return path.replace(':id', pay.assistanceRequest as string).replace(':attachmentId', pay.assistanceAttachment as string);
  if (path.startsWith('/admin/violations/:id')) return path.replace(':id', pay.breach as string);
  if (path.startsWith('/orientations/:id')) return path.replace(':id', pay.orientation as string);
  if (path === '/rapports/:id/:format') return `/rapports/${pay.monthlyReport as string}/pdf`;
  if (path.startsWith('/admin/auto-controle/:id')) return path.replace(':id', pay.selfAudit as string).replace(':userId', w.targetUserId);
  if (path.startsWith('/fonds/:id')) return path.replace(':id', pay.fund as string);
  // nobody's list: the POST's empty body is refused (400) before the list is looked up
  if (path === '/listes-par-courriel/:id/supprimer') return path.replace(':id', '00000000-0000-4000-8000-000000000000');
  if (path === '/statistiques/graphiques/:chart') return '/statistiques/graphiques/demandes.svg';
  if (path === '/statistiques/chiffres/:format') return '/statistiques/chiffres/csv';
  if (path.startsWith('/echanges/fichiers/:id')) return path.replace(':id', pay.funderFile as string).replace(':part', 'donnees');
  if (path.startsWith('/echanges/enregistrements/:id')) return path.replace(':id', pay.funderRecord as string);
  if (path.startsWith('/admin/taches/:id')) return path.replace(':id', pay.doneRun as string).replace(':index', '0');
  if (path === '/demandes/:id/annuler-echeances' || path === '/demandes/:id/dossier.zip') return path.replace(':id', w.submittedId);
  if (path.includes(':agencyId')) return path.replace(':id/agences/:agencyId', params[':id/agences/:agencyId'] as string);
  if (path.startsWith('/admin/membres/:id')) return path.replace(':id', world.landlordA.id);
  if (path.startsWith('/utilisateurs/:id')) return path.replace(':id', w.targetUserId);
  if (path.includes(':memberId')) return path.replace(':id', householdA.id).replace(':memberId', householdA.membershipIds[1] as string);
  if (path.startsWith('/menages/:id')) return path.replace(':id', householdA.id);
  if (path.startsWith('/personnes/:id')) return path.replace(':id', householdA.holderId);
  if (path.startsWith('/doublons/:id')) return path.replace(':id', w.suspicionId);
  if (path.startsWith('/aides/:id')) return path.replace(':id', w.aidTypeId);
  if (path.includes(':signatureId'))
    return path
      .replace(':id', w.submittedId)
      .replace(':signatureId', w.household.consentId as string)
      .replace(':file', 'document.pdf');
  if (path.includes(':documentId')) return path.replace(':id', w.requestId).replace(':documentId', w.documentId);
  if (path.includes(':attachmentId')) return path.replace(':id', w.submittedId).replace(':attachmentId', w.attachmentId);
  if (path.includes(':decisionId')) return path.replace(':id', w.submittedId).replace(':decisionId', w.decisionId);
  if (path.startsWith('/instruction/filtres/:id')) return path.replace(':id', w.filterId);
  const action = path.split('/')[3];
  if (
    path.startsWith('/demandes/:id') &&
    ['messages', 'notes', 'attribuer', 'demander-informations', 'proposer', 'valider', 'retirer-proposition', 'reprendre', 'cloturer'].includes(action ?? '')
  )
    return path.replace(':id', w.submittedId);
  if (path.startsWith('/demandes/:id')) return path.replace(':id', w.requestId);
  return path.replace(':token', params[':token'] as string);
}
