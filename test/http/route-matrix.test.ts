import type { Express } from 'express';
import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { csrfToken, loginAs, type Agent } from '../support/http';
import { buildWorld, type World } from '../factories/world';
import { insertUser } from '../factories/user';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertDraftRequest, insertRequest } from '../factories/request';

/**
 * Every route of the app, tried as every role and as another organisation (ASVS 4.1.3, 4.2.1).
 * The table below must list each route: a new route without an entry fails this test.
 */
type Persona = 'anonymous' | 'admin' | 'operator' | 'social_adviser' | 'accountant' | 'auditor' | 'adminA' | 'instructorA' | 'adminB';
const ASSOCIATION: Persona[] = ['admin', 'operator', 'social_adviser', 'accountant', 'auditor'];
const LOGGED_IN: Persona[] = [...ASSOCIATION, 'adminA', 'instructorA', 'adminB'];
/** Who may work on a household of landlord A. */
const HOUSEHOLD_A: Persona[] = ['admin', 'operator', 'adminA', 'instructorA'];
const LANDLORDS: Persona[] = ['adminA', 'instructorA', 'adminB'];
const CATALOGUE_READERS: Persona[] = ['admin', 'operator', 'accountant', 'adminA', 'instructorA', 'adminB'];
const REQUEST_READERS: Persona[] = ['admin', 'operator', 'adminA', 'instructorA', 'adminB'];
const INSTRUCTORS: Persona[] = ['admin', 'operator'];
const PAYMENT_READERS: Persona[] = ['admin', 'operator', 'accountant'];
const APPROVERS: Persona[] = ['admin', 'accountant'];
/** A submitted request of landlord A: landlord A and the association reach it, landlord B gets 404. */
const SUBMITTED_A: Expectation = { allowed: ['admin', 'operator', 'adminA', 'instructorA'], otherOrganisation: ['adminB'] };
/** The same for the downloads an adviser may open on its missions' requests (the matrix's mission has none: 404). */
const SUBMITTED_A_OR_ADVISER: Expectation = { ...SUBMITTED_A, otherOrganisation: ['adminB', 'social_adviser'] };
/** The draft of landlord A: only its landlord reaches the filing steps. */
const DRAFT_STEP: Expectation = { allowed: ['adminA', 'instructorA'], otherOrganisation: ['adminB'] };
const MISSION_READERS: Persona[] = ['admin', 'operator', 'social_adviser', 'adminA', 'instructorA', 'adminB'];
const MISSION_ORDERERS: Persona[] = ['admin', 'operator', 'adminA', 'instructorA', 'adminB'];
const MISSION_WORKERS: Persona[] = ['admin', 'operator', 'social_adviser'];
/** A closed mission of landlord A assigned to the adviser: landlord B gets 404. */
const MISSION_A: Expectation = { allowed: ['admin', 'operator', 'social_adviser', 'adminA', 'instructorA'], otherOrganisation: ['adminB'] };

interface Expectation {
  /** who gets the page; everyone else logged in gets 403, anonymous goes to the login page */
  allowed: Persona[] | 'public';
  /** personas allowed by role but outside the record's organisation: 404 */
  otherOrganisation?: Persona[];
}

const ROUTES: Record<string, Expectation> = {
  'GET /connexion': { allowed: 'public' },
  'POST /connexion': { allowed: 'public' },
  'GET /connexion/second-facteur': { allowed: 'public' },
  'POST /connexion/second-facteur': { allowed: 'public' },
  'POST /connexion/second-facteur/code-courriel': { allowed: 'public' },
  'POST /connexion/second-facteur/renvoyer': { allowed: 'public' },
  'POST /deconnexion': { allowed: 'public' },
  'GET /mot-de-passe/oublie': { allowed: 'public' },
  'POST /mot-de-passe/oublie': { allowed: 'public' },
  'GET /mot-de-passe/definir/:token': { allowed: 'public' },
  'POST /mot-de-passe/definir/:token': { allowed: 'public' },
  'GET /healthz': { allowed: 'public' },
  'GET /readyz': { allowed: 'public' },
  'GET /': { allowed: LOGGED_IN },
  'GET /mon-compte': { allowed: LOGGED_IN },
  'GET /mon-compte/mot-de-passe': { allowed: LOGGED_IN },
  'POST /mon-compte/mot-de-passe': { allowed: LOGGED_IN },
  'GET /mon-compte/codes-de-secours': { allowed: LOGGED_IN },
  'POST /mon-compte/codes-de-secours': { allowed: LOGGED_IN },
  'POST /mon-compte/codes-de-secours/notes': { allowed: LOGGED_IN },
  'GET /admin/membres': { allowed: ['admin'] },
  'POST /admin/membres': { allowed: ['admin'] },
  'GET /admin/membres/nouveau': { allowed: ['admin'] },
  'GET /admin/membres/:id': { allowed: ['admin'] },
  'GET /admin/membres/:id/modifier': { allowed: ['admin'] },
  'POST /admin/membres/:id/modifier': { allowed: ['admin'] },
  'POST /admin/membres/:id/agences': { allowed: ['admin'] },
  'GET /admin/membres/:id/agences/:agencyId/modifier': { allowed: ['admin'] },
  'POST /admin/membres/:id/agences/:agencyId/modifier': { allowed: ['admin'] },
  'GET /utilisateurs': { allowed: ['admin', 'adminA', 'adminB'] },
  'POST /utilisateurs': { allowed: ['admin', 'adminA', 'adminB'] },
  'GET /utilisateurs/nouveau': { allowed: ['admin', 'adminA', 'adminB'] },
  'GET /utilisateurs/:id': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  'GET /utilisateurs/:id/modifier': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  'POST /utilisateurs/:id/modifier': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  'POST /utilisateurs/:id/desactiver': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  'POST /utilisateurs/:id/reactiver': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  'POST /utilisateurs/:id/envoyer-lien': { allowed: ['admin', 'adminA'], otherOrganisation: ['adminB'] },
  // resetting a second factor is for the association's administrators only
  'POST /utilisateurs/:id/second-facteur': { allowed: ['admin'] },
  'GET /menages': { allowed: ['admin', 'operator', 'adminA', 'instructorA', 'adminB'] },
  'POST /menages': { allowed: ['admin', 'operator', 'adminA', 'instructorA', 'adminB'] },
  'GET /menages/export.csv': { allowed: ['admin', 'operator', 'adminA', 'instructorA', 'adminB'] },
  'GET /menages/nouveau': { allowed: ['admin', 'operator', 'adminA', 'instructorA', 'adminB'] },
  // the adviser's mission is for household A: the adviser reads that household (and no other, see missions/access)
  'GET /menages/:id': { allowed: [...HOUSEHOLD_A, 'social_adviser'], otherOrganisation: ['adminB'] },
  'GET /menages/:id/modifier': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /menages/:id/modifier': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /menages/:id/personnes/nouvelle': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /menages/:id/personnes/nouvelle': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /menages/:id/rattacher': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /menages/:id/rattacher': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /menages/:id/separer': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /menages/:id/separer': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /menages/:id/membres/:memberId/depart': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /menages/:id/membres/:memberId/depart': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /menages/:id/fusionner': { allowed: ['admin', 'operator'] },
  'POST /menages/:id/fusionner': { allowed: ['admin', 'operator'] },
  'GET /personnes/:id/modifier': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /personnes/:id/modifier': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /personnes/doublons': { allowed: ['admin', 'operator', 'adminA', 'instructorA', 'adminB'] },
  'GET /doublons': { allowed: ['admin', 'operator'] },
  'GET /doublons/:id/fusionner': { allowed: ['admin', 'operator'] },
  'POST /doublons/:id/fusionner': { allowed: ['admin', 'operator'] },
  'POST /doublons/:id/ecarter': { allowed: ['admin', 'operator'] },
  'GET /aides': { allowed: CATALOGUE_READERS },
  'POST /aides': { allowed: ['admin'] },
  'GET /aides/nouvelle': { allowed: ['admin'] },
  'GET /aides/:id': { allowed: CATALOGUE_READERS },
  'GET /aides/:id/modifier': { allowed: ['admin'] },
  'POST /aides/:id/modifier': { allowed: ['admin'] },
  'GET /aides/:id/versions/nouvelle': { allowed: ['admin'] },
  'POST /aides/:id/versions/nouvelle': { allowed: ['admin'] },
  'GET /demandes': { allowed: REQUEST_READERS },
  'GET /demandes/export.csv': { allowed: REQUEST_READERS },
  'GET /demandes/export.xlsx': { allowed: REQUEST_READERS },
  'POST /demandes': { allowed: LANDLORDS },
  'GET /demandes/nouvelle': { allowed: LANDLORDS },
  // the request of these routes is a draft: the association does not see drafts (404, like another organisation)
  // an adviser reads only the requests of its missions (the matrix's mission has none): 404 like another organisation
  'GET /demandes/:id': { allowed: ['adminA', 'instructorA'], otherOrganisation: ['adminB', 'admin', 'operator', 'social_adviser'] },
  'GET /demandes/:id/situation': DRAFT_STEP,
  'POST /demandes/:id/situation': DRAFT_STEP,
  'GET /demandes/:id/aide': DRAFT_STEP,
  'POST /demandes/:id/aide': DRAFT_STEP,
  'GET /demandes/:id/versement': DRAFT_STEP,
  'POST /demandes/:id/versement': DRAFT_STEP,
  'GET /demandes/:id/pieces': DRAFT_STEP,
  'GET /demandes/:id/consentement': DRAFT_STEP,
  'POST /demandes/:id/consentement': DRAFT_STEP,
  'GET /demandes/:id/recapitulatif': DRAFT_STEP,
  'POST /demandes/:id/verifications': { allowed: ['adminA', 'instructorA'], otherOrganisation: ['adminB', 'admin', 'operator'] },
  'POST /demandes/:id/deposer': DRAFT_STEP,
  'GET /demandes/:id/retirer': DRAFT_STEP,
  'POST /demandes/:id/retirer': DRAFT_STEP,
  'POST /demandes/:id/pieces': DRAFT_STEP,
  'GET /demandes/:id/pieces/:documentId': { allowed: ['adminA', 'instructorA'], otherOrganisation: ['adminB', 'admin', 'operator', 'social_adviser'] },
  // these act on a submitted request of landlord A
  'POST /demandes/:id/messages': SUBMITTED_A,
  'GET /demandes/:id/pieces-jointes/:attachmentId': SUBMITTED_A_OR_ADVISER,
  'GET /demandes/:id/decisions/:decisionId/courrier.pdf': SUBMITTED_A_OR_ADVISER,
  'POST /demandes/:id/repondre': DRAFT_STEP,
  'POST /demandes/:id/notes': { allowed: INSTRUCTORS },
  'POST /demandes/:id/attribuer': { allowed: INSTRUCTORS },
  'POST /demandes/:id/demander-informations': { allowed: INSTRUCTORS },
  'POST /demandes/:id/proposer': { allowed: INSTRUCTORS },
  'POST /demandes/:id/valider': { allowed: INSTRUCTORS },
  'POST /demandes/:id/retirer-proposition': { allowed: INSTRUCTORS },
  'POST /demandes/:id/reprendre': { allowed: INSTRUCTORS },
  'POST /demandes/:id/cloturer': { allowed: INSTRUCTORS },
  'GET /instruction': { allowed: INSTRUCTORS },
  'POST /instruction/attribuer': { allowed: INSTRUCTORS },
  'POST /instruction/filtres': { allowed: INSTRUCTORS },
  // a saved filter is its owner's: another instructor gets 404
  'POST /instruction/filtres/:id/supprimer': { allowed: ['operator'], otherOrganisation: ['admin'] },
  // the auditor reads the dashboard (counts and amounts, no personal data)
  'GET /tableau-de-bord': { allowed: [...INSTRUCTORS, 'auditor'] },
  'GET /admin/parametres': { allowed: ['admin'] },
  'POST /admin/parametres': { allowed: ['admin'] },
  'GET /paiements': { allowed: PAYMENT_READERS },
  'POST /paiements/preparer': { allowed: INSTRUCTORS },
  'POST /paiements/rapport-banque': { allowed: INSTRUCTORS },
  'GET /paiements/lots/:id': { allowed: PAYMENT_READERS },
  'POST /paiements/lots/:id/approuver': { allowed: APPROVERS },
  'POST /paiements/lots/:id/transmettre': { allowed: APPROVERS },
  'POST /paiements/lots/:id/regler': { allowed: APPROVERS },
  'GET /paiements/lots/:id/annuler': { allowed: PAYMENT_READERS },
  'POST /paiements/lots/:id/annuler': { allowed: PAYMENT_READERS },
  'GET /paiements/lots/:id/fichier.xml': { allowed: APPROVERS },
  'POST /paiements/virements/:id/rejeter': { allowed: INSTRUCTORS },
  'POST /paiements/virements/:id/reemettre': { allowed: INSTRUCTORS },
  'GET /demandes/:id/annuler-echeances': { allowed: INSTRUCTORS },
  'POST /demandes/:id/annuler-echeances': { allowed: INSTRUCTORS },
  'GET /paiements/rib': { allowed: INSTRUCTORS },
  'POST /paiements/rib/:id/verifier': { allowed: INSTRUCTORS },
  // a RIB: the association's reviewers and the landlord whose account it is; anyone else, 404
  'GET /comptes-bancaires/:id/rib': { allowed: ['admin', 'operator', 'adminA'], otherOrganisation: ['social_adviser', 'accountant', 'auditor', 'instructorA', 'adminB'] },
  'GET /comptes-bancaires': { allowed: ['adminA', 'adminB'] },
  'POST /comptes-bancaires': { allowed: ['adminA', 'adminB'] },
  'GET /admin/beneficiaires': { allowed: INSTRUCTORS },
  'POST /admin/beneficiaires': { allowed: INSTRUCTORS },
  'GET /admin/beneficiaires/nouveau': { allowed: INSTRUCTORS },
  'GET /admin/beneficiaires/:id': { allowed: INSTRUCTORS },
  'POST /admin/beneficiaires/:id/modifier': { allowed: INSTRUCTORS },
  'POST /admin/beneficiaires/:id/compte': { allowed: INSTRUCTORS },
  'GET /admin/comptes-emetteurs': { allowed: ['admin'] },
  'POST /admin/comptes-emetteurs': { allowed: ['admin'] },
  'GET /admin/comptes-emetteurs/:id/modifier': { allowed: ['admin'] },
  'POST /admin/comptes-emetteurs/:id/modifier': { allowed: ['admin'] },
  'POST /admin/comptes-emetteurs/affectation': { allowed: ['admin'] },
  'GET /admin/taches': { allowed: ['admin'] },
  // GDPR rights register: the association's administrators only
  'GET /admin/droits': { allowed: ['admin'] },
  'POST /admin/droits': { allowed: ['admin'] },
  'GET /admin/droits/nouvelle': { allowed: ['admin'] },
  'GET /admin/droits/:id': { allowed: ['admin'] },
  'POST /admin/droits/:id/reponse': { allowed: ['admin'] },
  'GET /admin/droits/:id/donnees.json': { allowed: ['admin'] },
  'POST /admin/taches/:id/relancer': { allowed: ['admin'] },
  'POST /admin/taches/:job/lancer': { allowed: ['admin'] },
  'GET /admin/taches/:id/fichiers/:index': { allowed: ['admin'] },
  'GET /comptabilite': { allowed: APPROVERS },
  'GET /comptabilite/journal.csv': { allowed: APPROVERS },
  'GET /comptabilite/journal.xlsx': { allowed: APPROVERS },
  'GET /comptabilite/ecritures/:id': { allowed: APPROVERS },
  'GET /comptabilite/balance': { allowed: APPROVERS },
  'GET /comptabilite/balance.csv': { allowed: APPROVERS },
  'GET /comptabilite/balance.xlsx': { allowed: APPROVERS },
  'GET /comptabilite/tiers': { allowed: APPROVERS },
  'GET /comptabilite/tiers.csv': { allowed: APPROVERS },
  'GET /comptabilite/tiers.xlsx': { allowed: APPROVERS },
  'GET /comptabilite/periodes': { allowed: APPROVERS },
  // closing a period is the accountant's alone
  'POST /comptabilite/periodes': { allowed: ['accountant'] },
  'GET /comptabilite/parametres': { allowed: APPROVERS },
  'POST /comptabilite/parametres': { allowed: APPROVERS },
  'POST /comptabilite/parametres/comptes': { allowed: APPROVERS },
  'POST /comptabilite/parametres/aides': { allowed: APPROVERS },
  'GET /comptabilite/exports': { allowed: APPROVERS },
  'GET /comptabilite/exports/:id': { allowed: APPROVERS },
  'GET /comptabilite/fec': { allowed: APPROVERS },
  'GET /admin/courriels': { allowed: ['admin'] },
  'GET /admin/courriels/:id': { allowed: ['admin'] },
  'GET /admin/courriels/:id/pieces-jointes/:attachmentId': { allowed: ['admin'] },
  'GET /accompagnement': { allowed: MISSION_READERS },
  'GET /accompagnement/nouvelle': { allowed: MISSION_ORDERERS },
  'POST /accompagnement/nouvelle': { allowed: MISSION_ORDERERS },
  'GET /accompagnement/calendrier': { allowed: MISSION_WORKERS },
  'GET /accompagnement/facturation': { allowed: ['admin'] },
  'GET /accompagnement/facturation.csv': { allowed: ['admin'] },
  'GET /accompagnement/facturation.xlsx': { allowed: ['admin'] },
  'GET /accompagnement/:id': MISSION_A,
  'GET /accompagnement/:id/bilan.pdf': MISSION_A,
  'POST /accompagnement/:id/attribuer': { allowed: INSTRUCTORS },
  'POST /accompagnement/:id/accord': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/refus': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/commencer': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/entretiens': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/terminer': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/interrompre': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/rendez-vous': { allowed: MISSION_WORKERS },
  'POST /accompagnement/:id/rendez-vous/:appointmentId': { allowed: MISSION_WORKERS },
  'GET /admin/types-accompagnement': { allowed: ['admin'] },
  'GET /admin/types-accompagnement/nouveau': { allowed: ['admin'] },
  'POST /admin/types-accompagnement/nouveau': { allowed: ['admin'] },
  'GET /admin/types-accompagnement/:id': { allowed: ['admin'] },
  'POST /admin/types-accompagnement/:id': { allowed: ['admin'] },
  'GET /rdv/:token': { allowed: 'public' },
  'POST /rdv/:token/confirmer': { allowed: 'public' },
  'POST /rdv/:token/annuler': { allowed: 'public' },
};

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Lists "METHOD /path" for every route registered in the app. */
function registeredRoutes(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on) out.add(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...out].sort();
}

let ctx: TestContext;
let world: World;
const agents = new Map<Persona, Agent>();
let params: Record<string, string>;
/** The user the /utilisateurs/:id routes act on (a landlord A account that is none of the personas). */
let targetUserId: string;
/** A household of landlord A (two members), its second membership, and a duplicate suspicion. */
let householdA: { id: string; holderId: string; membershipIds: string[] };
let suspicionId: string;
let aidTypeId: string;
let requestId: string;
let documentId: string;
/** A submitted request of landlord A with a message attachment and a decision letter, and a filter of the operator. */
let submittedId: string;
let attachmentId: string;
let decisionId: string;
let filterId: string;
/** Payments: a bank account with its RIB, a supplier, a debtor account, an approved batch and its paid payment, job runs. */
const pay: Record<string, string> = {};

beforeAll(async () => {
  ctx = await startTestApp();
  world = await buildWorld(ctx.knex);
  targetUserId = (await insertUser(ctx.knex, { organisationId: world.landlordA.id, role: 'landlord_instructor', email: 'cible@alpha.test' })).id;
  householdA = await insertHousehold(ctx.knex, world.landlordA.id, { members: [{ personId: await insertPerson(ctx.knex) }, { personId: await insertPerson(ctx.knex), relationship: 'child' }] });
  const [s] = await ctx.knex('duplicate_suspicions')
    .insert({ person_id: householdA.holderId, match_id: await insertPerson(ctx.knex), reasons: ['identity'], reported_by: world.users.instructorA.id })
    .returning('id');
  suspicionId = (s as { id: string }).id;
  const [aid] = await ctx.knex('aid_types').insert({ code: 'TST', label: 'Aide test', payees: ['landlord'] }).returning('id');
  aidTypeId = (aid as { id: string }).id;
  requestId = await insertDraftRequest(ctx.knex, { organisationId: world.landlordA.id, householdId: householdA.id, aidTypeId, createdBy: world.users.instructorA.id });
  const [blob] = await ctx.knex('blobs').insert({ content_type: 'application/pdf', size: 5, sha256: 'x', data: Buffer.from('%PDF-') }).returning('id');
  const [doc] = await ctx.knex('request_documents')
    .insert({ request_id: requestId, kind: 'tax_notice', filename: 'avis.pdf', blob_id: (blob as { id: string }).id, version: 1, uploaded_by: world.users.instructorA.id })
    .returning('id');
  documentId = (doc as { id: string }).id;
  submittedId = await insertRequest(ctx.knex, { organisationId: world.landlordA.id, householdId: householdA.id, aidTypeId, createdBy: world.users.instructorA.id, status: 'in_review' });
  const [event] = await ctx.knex('request_events').insert({ request_id: submittedId, actor_label: 'Test', kind: 'message', message: 'Bonjour', visibility: 'shared' }).returning('id');
  const [att] = await ctx.knex('request_attachments').insert({ request_id: submittedId, event_id: (event as { id: string }).id, blob_id: (blob as { id: string }).id, filename: 'a.pdf' }).returning('id');
  attachmentId = (att as { id: string }).id;
  const [decision] = await ctx.knex('decisions')
    .insert({ request_id: submittedId, kind: 'refuse', status: 'returned', reason_code: 'other', needs_validation: true, proposed_by: world.users.operator.id, proposed_by_label: 'Op', proposed_at: new Date(), letter_blob_id: (blob as { id: string }).id })
    .returning('id');
  decisionId = (decision as { id: string }).id;
  const [filter] = await ctx.knex('saved_filters').insert({ user_id: world.users.operator.id, list: 'instruction', name: 'Mes AQ', query: JSON.stringify({ q: 'onglet=a_prendre' }) }).returning('id');
  filterId = (filter as { id: string }).id;
  const [payee] = await ctx.knex('payees').insert({ kind: 'landlord', organisation_id: world.landlordA.id, name: 'Bailleur Alpha' }).returning('id');
  pay.payee = (payee as { id: string }).id;
  const [account] = await ctx.knex('bank_accounts')
    .insert({ payee_id: pay.payee, holder_name: 'Bailleur Alpha', iban: 'FR7630006000011234567890189', rib_blob_id: (blob as { id: string }).id, rib_filename: 'rib.pdf', status: 'pending', submitted_by: world.users.adminA.id, submitted_by_label: 'Admin A', submitted_at: new Date() })
    .returning('id');
  pay.account = (account as { id: string }).id;
  const [supplier] = await ctx.knex('payees').insert({ kind: 'supplier', name: 'Fournisseur' }).returning('id');
  pay.supplier = (supplier as { id: string }).id;
  const [debtor] = await ctx.knex('debtor_accounts').insert({ label: 'Courant', holder_name: 'Association', iban: 'FR1420041010050500013M02606', is_default: true }).returning('id');
  pay.debtor = (debtor as { id: string }).id;
  const [grant] = await ctx.knex('decisions')
    .insert({ request_id: submittedId, kind: 'grant', status: 'applied', amount_cents: 1000, instalments: 1, first_due_date: '2026-11-01', needs_validation: false, proposed_by: world.users.operator.id, proposed_by_label: 'Op', proposed_at: new Date() })
    .returning('id');
  const [payment] = await ctx.knex('payments')
    .insert({ request_id: submittedId, decision_id: (grant as { id: string }).id, organisation_id: world.landlordA.id, instalment: 1, instalments: 1, amount_cents: 1000, due_date: '2026-11-01', payee_kind: 'landlord', payee_name: 'Bailleur Alpha', payee_iban: 'FR7630006000011234567890189', payee_id: pay.payee, status: 'sent', end_to_end_id: 'E2099-00001-01' })
    .returning('id');
  pay.payment = (payment as { id: string }).id;
  const [confirmed] = await ctx.knex('bank_accounts')
    .insert({ payee_id: pay.payee, holder_name: 'Bailleur Alpha', iban: 'FR7630001007941234567890185', status: 'confirmed', submitted_by_label: 'X', submitted_at: new Date(), reviewed_by_label: 'Y', reviewed_at: new Date() })
    .returning('id');
  const [batch] = await ctx.knex('payment_batches')
    .insert({ number: 1, debtor_account_id: pay.debtor, execution_date: '2026-11-02', msg_id: 'ENTRAIDE-20261102-000001', payment_info_id: 'LOT-1', status: 'approved', transaction_count: 1, control_sum_cents: 1000, file_blob_id: (blob as { id: string }).id, file_name: 'lot.xml', file_sha256: 'x', generated_by_label: 'Planificateur', generated_at: new Date(), approved_by: world.users.accountant.id, approved_by_label: 'Compta', approved_at: new Date() })
    .returning('id');
  pay.batch = (batch as { id: string }).id;
  await ctx.knex('payment_batch_items').insert({ batch_id: pay.batch, payment_id: pay.payment, end_to_end_id: 'E2099-00001-01', amount_cents: 1000, bank_account_id: (confirmed as { id: string }).id, creditor_name: 'Bailleur Alpha', iban: 'FR7630001007941234567890185', remittance: 'AIDE' });
  const [failedRun] = await ctx.knex('job_runs').insert({ job: 'sepa-batches', period_key: '2020-01-01', status: 'failed', started_by: 'Test', started_at: new Date(), error: 'panne' }).returning('id');
  pay.failedRun = (failedRun as { id: string }).id;
  const [doneRun] = await ctx.knex('job_runs')
    .insert({ job: 'sepa-batches', period_key: '2020-01-02', status: 'succeeded', started_by: 'Test', started_at: new Date(), outputs: JSON.stringify([{ label: 'Lot', fileName: 'lot.xml', blobId: (blob as { id: string }).id, contentType: 'application/xml' }]) })
    .returning('id');
  pay.doneRun = (doneRun as { id: string }).id;
  // an entry and its lines commit together (the balance is checked at commit)
  pay.entry = await ctx.knex.transaction(async (trx) => {
    const [entry] = await trx('ledger_entries').insert({ fiscal_year: 2026, journal_code: 'OD', number: 1, number_text: '2026-000001', entry_date: '2026-11-23', piece_ref: '2099-00001', piece_date: '2026-11-23', label: 'Aide', validated_at: new Date(), source_type: 'grant', created_by_label: 'Test' }).returning('id');
    await trx('ledger_lines').insert([
      { entry_id: (entry as { id: string }).id, line_no: 1, account_number: '6571', account_label: 'Aides', label: 'Aide', debit_cents: 1000 },
      { entry_id: (entry as { id: string }).id, line_no: 2, account_number: '4672', account_label: 'Tiers', label: 'Aide', credit_cents: 1000 },
    ]);
    return (entry as { id: string }).id;
  });
  const [accExport] = await ctx.knex('accounting_exports').insert({ number: 1, created_at: new Date(), file_blob_id: (blob as { id: string }).id, file_name: 'ecritures.csv', entries: 1, lines: 2, debit_cents: 1000, credit_cents: 1000 }).returning('id');
  pay.export = (accExport as { id: string }).id;
  // a mission of landlord A, assigned to the adviser, closed with its report, with one appointment
  const [missionType] = await ctx.knex('mission_types').insert({ code: 'DIAG', label: 'Diagnostic', default_minutes: 240, billing_mode: 'hourly', rate_cents: 4500 }).returning('id');
  pay.missionType = (missionType as { id: string }).id;
  const [mission] = await ctx.knex('missions')
    .insert({ reference: 'M2026-00001', organisation_id: world.landlordA.id, household_id: householdA.id, mission_type_id: pay.missionType, status: 'completed', origin: 'association', reason: 'Test', planned_minutes: 240, ordered_by: world.users.operator.id, ordered_by_label: 'Op', ordered_at: new Date(), adviser_id: world.users.social_adviser.id, consent: JSON.stringify({ date: '2026-11-20', method: 'in_person', recordedBy: 'x' }), report_blob_id: (blob as { id: string }).id, ended_at: new Date() })
    .returning('id');
  pay.mission = (mission as { id: string }).id;
  const [rightsRequest] = await ctx.knex('rights_requests')
    .insert({ person_id: householdA.holderId, kind: 'access', received_on: '2026-11-20', due_on: '2026-12-20', channel: 'mail', requester: 'La personne', created_by: world.users.admin.id, created_at: new Date() })
    .returning('id');
  pay.rightsRequest = (rightsRequest as { id: string }).id;
  const [appointment] = await ctx.knex('appointments')
    .insert({ mission_id: pay.mission, adviser_id: world.users.social_adviser.id, starts_at: new Date('2026-11-20T09:00:00Z'), duration_minutes: 60, mode: 'phone', place: 'Tél.', contact_name: 'X', status: 'done', created_at: new Date('2026-11-19T09:00:00Z') })
    .returning('id');
  pay.appointment = (appointment as { id: string }).id;
  const [mail] = await ctx.knex('mail_outbox')
    .insert({ kind: 'test', to_address: 'x@exemple.fr', subject: 'Test', text_body: 'Bonjour', status: 'stored' })
    .returning('id');
  params = {
    ':id/agences/:agencyId': `${world.landlordA.id}/agences/${world.landlordA.agencyId}`,
    ':token': 'unknown-token-aaaaaaaaaaaaaaaaaaaaaaaa',
  };
  const mailId = (mail as { id: string }).id;
  params.mail = mailId;
  const [mailAttachment] = await ctx.knex('mail_attachments').insert({ mail_id: mailId, filename: 'avis.pdf', content_type: 'application/pdf', blob_id: (blob as { id: string }).id }).returning('id');
  params.mailAttachment = (mailAttachment as { id: string }).id;
  agents.set('anonymous', request.agent(ctx.app));
  const emails: Record<Exclude<Persona, 'anonymous'>, string> = {
    admin: world.users.admin.email,
    operator: world.users.operator.email,
    social_adviser: world.users.social_adviser.email,
    accountant: world.users.accountant.email,
    auditor: world.users.auditor.email,
    adminA: world.users.adminA.email,
    instructorA: world.users.instructorA.email,
    adminB: world.users.adminB.email,
  };
  for (const [persona, email] of Object.entries(emails)) agents.set(persona as Persona, await loginAs(ctx.app, email));
});
afterAll(() => ctx.close());

/** A concrete URL for a pattern: records of landlord A (or the association's admin pages). */
function concrete(path: string): string {
  if (path.startsWith('/admin/courriels/:id')) return path.replace(':id', params.mail as string).replace(':attachmentId', params.mailAttachment as string);
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
  if (path.startsWith('/admin/taches/:id')) return path.replace(':id', pay.doneRun as string).replace(':index', '0');
  if (path === '/demandes/:id/annuler-echeances') return path.replace(':id', submittedId);
  if (path.includes(':agencyId')) return path.replace(':id/agences/:agencyId', params[':id/agences/:agencyId'] as string);
  if (path.startsWith('/admin/membres/:id')) return path.replace(':id', world.landlordA.id);
  if (path.startsWith('/utilisateurs/:id')) return path.replace(':id', targetUserId);
  if (path.includes(':memberId')) return path.replace(':id', householdA.id).replace(':memberId', householdA.membershipIds[1] as string);
  if (path.startsWith('/menages/:id')) return path.replace(':id', householdA.id);
  if (path.startsWith('/personnes/:id')) return path.replace(':id', householdA.holderId);
  if (path.startsWith('/doublons/:id')) return path.replace(':id', suspicionId);
  if (path.startsWith('/aides/:id')) return path.replace(':id', aidTypeId);
  if (path.includes(':documentId')) return path.replace(':id', requestId).replace(':documentId', documentId);
  if (path.includes(':attachmentId')) return path.replace(':id', submittedId).replace(':attachmentId', attachmentId);
  if (path.includes(':decisionId')) return path.replace(':id', submittedId).replace(':decisionId', decisionId);
  if (path.startsWith('/instruction/filtres/:id')) return path.replace(':id', filterId);
  const action = path.split('/')[3];
  if (path.startsWith('/demandes/:id') && ['messages', 'notes', 'attribuer', 'demander-informations', 'proposer', 'valider', 'retirer-proposition', 'reprendre', 'cloturer'].includes(action ?? '')) return path.replace(':id', submittedId);
  if (path.startsWith('/demandes/:id')) return path.replace(':id', requestId);
  return path.replace(':token', params[':token'] as string);
}

describe('route × role matrix', () => {
  it('lists every registered route in the expectation table', () => {
    expect(registeredRoutes(ctx.app)).toEqual(Object.keys(ROUTES).sort());
  });

  const protectedRoutes = Object.entries(ROUTES).filter(([, e]) => e.allowed !== 'public');

  it.each(protectedRoutes)('%s answers each persona as declared', async (route, expectation) => {
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    const url = concrete(path);
    const allowed = expectation.allowed as Persona[];
    for (const persona of ['anonymous', ...LOGGED_IN] as Persona[]) {
      const agent = agents.get(persona) as Agent;
      let status: number;
      let location: string | undefined;
      if (method === 'GET') {
        const res = await agent.get(url);
        status = res.status;
        location = res.headers.location;
      } else {
        const token = persona === 'anonymous' ? await csrfToken(agent, '/connexion') : await csrfToken(agent, '/mon-compte');
        // an empty body: allowed personas get a validation answer (400) or a redirect, never a 500
        const res = await agent.post(url).type('form').send({ _csrf: token });
        status = res.status;
        location = res.headers.location;
      }
      const label = `${route} as ${persona}`;
      if (persona === 'anonymous') {
        expect({ label, status, location }).toEqual({ label, status: 302, location: '/connexion' });
      } else if (allowed.includes(persona)) {
        expect({ label, ok: [200, 302, 400].includes(status) }).toEqual({ label, ok: true });
      } else if (expectation.otherOrganisation?.includes(persona)) {
        expect({ label, status }).toEqual({ label, status: 404 });
      } else {
        expect({ label, status }).toEqual({ label, status: 403 });
      }
    }
  });

  it('answers 404, never 500, for ids that are not ids', async () => {
    const admin = agents.get('admin') as Agent;
    for (const url of ['/admin/membres/abc', '/utilisateurs/1%27%20or%201=1', '/admin/courriels/../../etc', '/admin/membres/00000000-0000-0000-0000-000000000000']) {
      expect((await admin.get(url)).status).toBe(404);
    }
  });
});
