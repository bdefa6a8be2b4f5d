import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { loginAs, postFormKeepingToken, type Agent } from '../support/http';
import type { World } from '../factories/world';
import { householdAgent } from '../support/household';
import { buildRouteWorld, concreteUrl, personaEmails, registeredRoutes, type Persona, type RouteWorld } from '../support/route-world';

/**
 * Every route of the app, tried as every role and as another organisation (ASVS 4.1.3, 4.2.1).
 * The table below must list each route: a new route without an entry fails this test.
 */
const ASSOCIATION: Persona[] = ['admin', 'operator', 'social_adviser', 'accountant', 'auditor'];
/** The household space's personas: household A's holder and another household's. */
const HOUSEHOLDS: Persona[] = ['menage', 'menageB'];
/** Where a persona's CSRF token comes from: a page of the space for the space's forms (its own cookie), else the extranet's. */
const tokenPage = (persona: Persona, householdRoute: boolean): string =>
  householdRoute
    ? HOUSEHOLDS.includes(persona)
      ? '/mon-espace'
      : '/mon-espace/acces'
    : persona === 'anonymous' || HOUSEHOLDS.includes(persona)
      ? '/connexion'
      : '/mon-compte';
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
/** The exchanges with Action Logement: read by the association's instructors and its auditor (no person's data on the pages). */
const EXCHANGE_READERS: Persona[] = ['admin', 'operator', 'auditor'];
// the statistics: the association and the auditor, landlord administrators (their own figures), advisers (their missions)
const REPORT_READERS: Persona[] = ['admin', 'auditor', 'adminA', 'adminB'];
const STATISTICS_READERS: Persona[] = ['admin', 'operator', 'social_adviser', 'auditor', 'adminA', 'adminB'];
const FUND_READERS: Persona[] = ['admin', 'operator', 'accountant', 'auditor'];
const MISSION_READERS: Persona[] = ['admin', 'operator', 'social_adviser', 'adminA', 'instructorA', 'adminB'];
const MISSION_ORDERERS: Persona[] = ['admin', 'operator', 'adminA', 'instructorA', 'adminB'];
const MISSION_WORKERS: Persona[] = ['admin', 'operator', 'social_adviser'];
/** A closed mission of landlord A assigned to the adviser: landlord B gets 404. */
const MISSION_A: Expectation = { allowed: ['admin', 'operator', 'social_adviser', 'adminA', 'instructorA'], otherOrganisation: ['adminB'] };

/** Landlord A's administrator's assistance request: its requester and the association's administrators; anyone else 404. */
const ASSISTANCE_A: Expectation = {
  allowed: ['admin', 'adminA'],
  otherOrganisation: ['operator', 'social_adviser', 'accountant', 'auditor', 'instructorA', 'adminB'],
};

interface Expectation {
  /**
   * who gets the page; everyone else logged in gets 403, anonymous goes to the login page.
   * 'household': a page of the household space — only a household session gets in (both households,
   * but those in otherHousehold get 404); everyone else, logged into the extranet or not, is sent to its access page.
   */
  allowed: Persona[] | 'public' | 'household';
  /** households whose session reaches the space but not this record (another household's): 404 */
  otherHousehold?: Persona[];
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
  // outside the session: its bearer token or an allowed address (test/monitoring/metrics*.test.ts)
  'GET /metrics': { allowed: 'public' },
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
  // sending a member the link to the household space: whoever manages the household
  'POST /menages/:id/membres/:memberId/lien-espace': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
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
  'POST /demandes/:id/consentement/signature-en-ligne': DRAFT_STEP,
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
  'GET /demandes/:id/consentement-electronique/:signatureId/:file': SUBMITTED_A_OR_ADVISER,
  // the whole dossier for the funder's case worker: the association's instructors
  'GET /demandes/:id/dossier.zip': { allowed: INSTRUCTORS },
  'GET /accompagnement/:id/dossier.zip': { allowed: INSTRUCTORS },
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
  'GET /comptes-bancaires/:id/rib': {
    allowed: ['admin', 'operator', 'adminA'],
    otherOrganisation: ['social_adviser', 'accountant', 'auditor', 'instructorA', 'adminB'],
  },
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
  'GET /admin/taches': { allowed: ['admin', 'auditor'] },
  // the weekly self-audit: the association's administrators and the auditor read it; deactivating an account from it is the administrators'
  'GET /admin/auto-controle': { allowed: ['admin', 'auditor'] },
  'GET /admin/auto-controle/:id': { allowed: ['admin', 'auditor'] },
  'POST /admin/auto-controle/:id/comptes/:userId/desactiver': { allowed: ['admin'] },
  // GDPR rights register: the association's administrators only
  'GET /orientations': { allowed: REQUEST_READERS },
  // an orientation for a tenant of landlord A: landlord B gets 404
  'GET /orientations/:id': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /orientations/:id/cloture': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'GET /orientations/:id/menage': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  'POST /orientations/:id/suite': { allowed: HOUSEHOLD_A, otherOrganisation: ['adminB'] },
  // the files exchanged with Action Logement: the association reads them, its auditor too; admins and operators act on them
  'GET /listes-par-courriel': { allowed: REQUEST_READERS },
  'POST /listes-par-courriel': { allowed: REQUEST_READERS },
  'POST /listes-par-courriel/:id/supprimer': { allowed: REQUEST_READERS },
  'GET /rapports': { allowed: REPORT_READERS },
  'POST /rapports/abonnement': { allowed: REPORT_READERS },
  'GET /rapports/:id/:format': { allowed: ['admin', 'auditor', 'adminA'], otherOrganisation: ['adminB'] },
  'GET /statistiques': { allowed: STATISTICS_READERS },
  'GET /statistiques/graphiques/:chart': { allowed: STATISTICS_READERS },
  'GET /statistiques/chiffres/:format': { allowed: STATISTICS_READERS },
  'GET /statistiques/extraction': { allowed: ['admin', 'auditor'] },
  'POST /statistiques/extraction': { allowed: ['admin', 'auditor'] },
  // satisfaction results: the association's staff and the auditor (figures only), never a landlord
  'GET /statistiques/satisfaction': { allowed: ['admin', 'operator', 'social_adviser', 'auditor'] },
  // budget envelopes: the association and the auditor read them (no personal data), administrators define them
  'GET /fonds': { allowed: FUND_READERS },
  'GET /fonds/nouveau': { allowed: ['admin'] },
  'POST /fonds/nouveau': { allowed: ['admin'] },
  'GET /fonds/:id': { allowed: FUND_READERS },
  'GET /fonds/:id/modifier': { allowed: ['admin'] },
  'POST /fonds/:id/modifier': { allowed: ['admin'] },
  'GET /fonds/:id/graphique': { allowed: FUND_READERS },
  'GET /fonds/:id/mouvements': { allowed: FUND_READERS },
  'GET /echanges': { allowed: EXCHANGE_READERS },
  // the invoice's fees, terms and buyer: the association's administrators
  'GET /echanges/facturation': { allowed: ['admin'] },
  'POST /echanges/facturation': { allowed: ['admin'] },
  'GET /echanges/fichiers/:id': { allowed: EXCHANGE_READERS },
  'GET /echanges/fichiers/:id/:part': { allowed: EXCHANGE_READERS },
  'POST /echanges/enregistrements/:id/renvoyer': { allowed: INSTRUCTORS },
  'POST /echanges/deposer': { allowed: INSTRUCTORS },
  'GET /admin/droits': { allowed: ['admin'] },
  'POST /admin/droits': { allowed: ['admin'] },
  'GET /admin/droits/nouvelle': { allowed: ['admin'] },
  'GET /admin/droits/:id': { allowed: ['admin'] },
  'POST /admin/droits/:id/reponse': { allowed: ['admin'] },
  'GET /admin/droits/:id/donnees.json': { allowed: ['admin'] },
  // the assistance desk: everyone opens and follows their own requests; a request is its requester's (landlord A's
  // administrator here) and the association's administrators' — anyone else gets 404; triage and notes are the administrators'
  'GET /assistance': { allowed: LOGGED_IN },
  'POST /assistance': { allowed: LOGGED_IN },
  'GET /assistance/nouvelle': { allowed: LOGGED_IN },
  'GET /assistance/:id': ASSISTANCE_A,
  'POST /assistance/:id/messages': ASSISTANCE_A,
  'GET /assistance/:id/pieces-jointes/:attachmentId': ASSISTANCE_A,
  'POST /assistance/:id/tri': { allowed: ['admin'] },
  'POST /assistance/:id/notes': { allowed: ['admin'] },
  'GET /admin/assistance': { allowed: ['admin'] },
  // the breach register (GDPR art. 33(5)): the association's administrators write it, its auditor reads it
  'GET /admin/violations': { allowed: ['admin', 'auditor'] },
  'POST /admin/violations': { allowed: ['admin'] },
  'GET /admin/violations/registre.csv': { allowed: ['admin', 'auditor'] },
  'GET /admin/violations/nouvelle': { allowed: ['admin'] },
  'GET /admin/violations/:id': { allowed: ['admin', 'auditor'] },
  'GET /admin/violations/:id/modifier': { allowed: ['admin'] },
  'POST /admin/violations/:id/modifier': { allowed: ['admin'] },
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
  'GET /accompagnement/disponibilites': { allowed: MISSION_WORKERS },
  'POST /accompagnement/disponibilites/creneaux': { allowed: MISSION_WORKERS },
  'POST /accompagnement/disponibilites/creneaux/:openingId/supprimer': { allowed: MISSION_WORKERS },
  'POST /accompagnement/disponibilites/exceptions': { allowed: MISSION_WORKERS },
  'POST /accompagnement/disponibilites/exceptions/:exceptionId/supprimer': { allowed: MISSION_WORKERS },
  'GET /accompagnement/disponibilites/motifs': { allowed: ['admin', 'operator'] },
  'POST /accompagnement/disponibilites/motifs': { allowed: ['admin', 'operator'] },
  'POST /accompagnement/disponibilites/motifs/:kindId': { allowed: ['admin', 'operator'] },
  'GET /accompagnement/disponibilites/affiche.pdf': { allowed: ['admin', 'operator'] },
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
  // the household space (test/household-space/): its door is public, its pages need a household session
  'GET /mon-espace/acces': { allowed: 'public' },
  'POST /mon-espace/acces': { allowed: 'public' },
  'GET /mon-espace/lien/:token': { allowed: 'public' },
  'POST /mon-espace/lien/:token/code': { allowed: 'public' },
  'POST /mon-espace/lien/:token/verifier': { allowed: 'public' },
  'POST /mon-espace/deconnexion': { allowed: 'public' },
  'GET /mon-espace': { allowed: 'household' },
  // issue 17: the papers the household sends (an ask and a file of household A's request)
  'GET /mon-espace/documents': { allowed: 'household' },
  'POST /mon-espace/documents/:askId/envoyer': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/documents/fichiers/:householdFileId': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId/courrier/:letterId': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId/consentement': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId/consentement/texte.pdf': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/demandes/:requestId/consentement/code': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/demandes/:requestId/consentement/signer': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId/consentement/retirer': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/demandes/:requestId/consentement/retirer': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/demandes/:requestId/consentement/:consentId/:consentFile': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/accompagnements/:missionId': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/mes-droits': { allowed: 'household' },
  'POST /mon-espace/mes-droits': { allowed: 'household' },
  // issue 17: satisfaction questionnaires — the mailed link is public (anonymous answer), the list and the answer page from the space need a session
  'GET /mon-espace/questionnaires': { allowed: 'household' },
  'GET /mon-espace/questionnaires/:surveyToken': { allowed: 'public' },
  'POST /mon-espace/questionnaires/:surveyToken': { allowed: 'public' },
  'GET /mon-espace/questionnaires/a-remplir/:surveyId': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/questionnaires/a-remplir/:surveyId': { allowed: 'household', otherHousehold: ['menageB'] },
  // issue 17: booking an appointment (the household's own, or public from the QR code)
  'GET /mon-espace/rendez-vous': { allowed: 'household' },
  'GET /mon-espace/rendez-vous/prendre': { allowed: 'household' },
  'POST /mon-espace/rendez-vous/prendre': { allowed: 'household' },
  'GET /mon-espace/rendez-vous/:bookingId': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/rendez-vous/:bookingId/deplacer': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/rendez-vous/:bookingId/deplacer': { allowed: 'household', otherHousehold: ['menageB'] },
  'POST /mon-espace/rendez-vous/:bookingId/annuler': { allowed: 'household', otherHousehold: ['menageB'] },
  'GET /mon-espace/prendre-rendez-vous': { allowed: 'public' },
  'POST /mon-espace/prendre-rendez-vous': { allowed: 'public' },
  'GET /mon-espace/prendre-rendez-vous/merci': { allowed: 'public' },
};

let ctx: TestContext;
let world: World;
const agents = new Map<Persona, Agent>();
/** The records the routes are tried on (test/support/route-world.ts). */
let routeWorld: RouteWorld;

beforeAll(async () => {
  ctx = await startTestApp();
  routeWorld = await buildRouteWorld(ctx.knex);
  world = routeWorld.world;
  agents.set('anonymous', request.agent(ctx.app));
  const emails = personaEmails(world);
  for (const [persona, email] of Object.entries(emails)) agents.set(persona as Persona, await loginAs(ctx.app, email));
  agents.set('menage', await householdAgent(ctx, routeWorld.household.personA as string));
  agents.set('menageB', await householdAgent(ctx, routeWorld.household.personB as string));
});
afterAll(() => ctx.close());

const concrete = (path: string): string => concreteUrl(routeWorld, path);

describe('route × role matrix', () => {
  it('lists every registered route in the expectation table', () => {
    expect(registeredRoutes(ctx.app)).toEqual(Object.keys(ROUTES).sort());
  });

  const protectedRoutes = Object.entries(ROUTES).filter(([, e]) => e.allowed !== 'public');

  it.each(protectedRoutes)('%s answers each persona as declared', async (route, expectation) => {
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    const url = concrete(path);
    const householdRoute = expectation.allowed === 'household';
    const allowed = householdRoute ? HOUSEHOLDS.filter((p) => !expectation.otherHousehold?.includes(p)) : (expectation.allowed as Persona[]);
    for (const persona of ['anonymous', ...LOGGED_IN, ...HOUSEHOLDS] as Persona[]) {
      const agent = agents.get(persona) as Agent;
      let status: number;
      let location: string | undefined;
      if (method === 'GET') {
        const res = await agent.get(url);
        status = res.status;
        location = res.headers.location;
      } else {
        // an empty body: allowed personas get a validation answer (400) or a redirect, never a 500
        // (the persona's token is read once and kept; a refusal of the token itself is never the answer: see postFormKeepingToken)
        const res = await postFormKeepingToken(agent, url, {}, tokenPage(persona, householdRoute));
        status = res.status;
        location = res.headers.location;
      }
      const label = `${route} as ${persona}`;
      if (householdRoute && !allowed.includes(persona) && !expectation.otherHousehold?.includes(persona)) {
        // no household session (the extranet's own never reaches the space): the access page
        expect({ label, status, location }).toEqual({ label, status: 302, location: '/mon-espace/acces' });
      } else if (persona === 'anonymous' || (!householdRoute && HOUSEHOLDS.includes(persona))) {
        // a household's session never reaches the extranet: as anonymous
        expect({ label, status, location }).toEqual({ label, status: 302, location: '/connexion' });
      } else if (allowed.includes(persona)) {
        expect({ label, ok: [200, 302, 400].includes(status) }).toEqual({ label, ok: true });
      } else if (expectation.otherOrganisation?.includes(persona) || expectation.otherHousehold?.includes(persona)) {
        expect({ label, status }).toEqual({ label, status: 404 });
      } else {
        expect({ label, status }).toEqual({ label, status: 403 });
      }
    }
  });

  it('answers 404, never 500, for ids that are not ids', async () => {
    const admin = agents.get('admin') as Agent;
    for (const url of [
      '/admin/membres/abc',
      '/utilisateurs/1%27%20or%201=1',
      '/admin/courriels/../../etc',
      '/admin/membres/00000000-0000-0000-0000-000000000000',
    ]) {
      expect((await admin.get(url)).status).toBe(404);
    }
  });
});
