/**
 * Every route of the extranet, declared once as an Express pattern: routers register `routes.x`,
 * templates and redirects build `urls.x(...)` from the same pattern (never by concatenating paths).
 */
export const routes = {
  home: '/',
  login: '/connexion',
  secondFactor: '/connexion/second-facteur',
  secondFactorMailCode: '/connexion/second-facteur/code-courriel',
  secondFactorResend: '/connexion/second-facteur/renvoyer',
  logout: '/deconnexion',
  forgotPassword: '/mot-de-passe/oublie',
  setPassword: '/mot-de-passe/definir/:token',
  account: '/mon-compte',
  accountPassword: '/mon-compte/mot-de-passe',
  accountRecoveryCodes: '/mon-compte/codes-de-secours',
  recoveryCodesNoted: '/mon-compte/codes-de-secours/notes',
  organisations: '/admin/membres',
  organisationNew: '/admin/membres/nouveau',
  organisation: '/admin/membres/:id',
  organisationEdit: '/admin/membres/:id/modifier',
  organisationAgencies: '/admin/membres/:id/agences',
  agencyEdit: '/admin/membres/:id/agences/:agencyId/modifier',
  users: '/utilisateurs',
  userNew: '/utilisateurs/nouveau',
  user: '/utilisateurs/:id',
  userEdit: '/utilisateurs/:id/modifier',
  userDeactivate: '/utilisateurs/:id/desactiver',
  userReactivate: '/utilisateurs/:id/reactiver',
  userSendPasswordLink: '/utilisateurs/:id/envoyer-lien',
  userResetSecondFactor: '/utilisateurs/:id/second-facteur',
  households: '/menages',
  householdsCsv: '/menages/export.csv',
  householdNew: '/menages/nouveau',
  household: '/menages/:id',
  householdEdit: '/menages/:id/modifier',
  householdAddPerson: '/menages/:id/personnes/nouvelle',
  householdJoin: '/menages/:id/rattacher',
  householdSplit: '/menages/:id/separer',
  householdMerge: '/menages/:id/fusionner',
  memberLeave: '/menages/:id/membres/:memberId/depart',
  personEdit: '/personnes/:id/modifier',
  personDuplicateCheck: '/personnes/doublons',
  duplicates: '/doublons',
  duplicateMerge: '/doublons/:id/fusionner',
  duplicateDismiss: '/doublons/:id/ecarter',
  aidTypes: '/aides',
  aidTypeNew: '/aides/nouvelle',
  aidType: '/aides/:id',
  aidTypeEdit: '/aides/:id/modifier',
  aidTypeVersionNew: '/aides/:id/versions/nouvelle',
  requests: '/demandes',
  requestsCsv: '/demandes/export.csv',
  requestsXlsx: '/demandes/export.xlsx',
  requestNew: '/demandes/nouvelle',
  request: '/demandes/:id',
  requestSituation: '/demandes/:id/situation',
  requestAmount: '/demandes/:id/aide',
  requestPayee: '/demandes/:id/versement',
  requestConsent: '/demandes/:id/consentement',
  requestRecap: '/demandes/:id/recapitulatif',
  requestCheck: '/demandes/:id/verifications',
  requestSubmit: '/demandes/:id/deposer',
  requestWithdraw: '/demandes/:id/retirer',
  requestDocuments: '/demandes/:id/pieces',
  requestDocument: '/demandes/:id/pieces/:documentId',
  requestMessages: '/demandes/:id/messages',
  requestAttachment: '/demandes/:id/pieces-jointes/:attachmentId',
  requestNotes: '/demandes/:id/notes',
  requestAssign: '/demandes/:id/attribuer',
  requestAskInformation: '/demandes/:id/demander-informations',
  requestAnswer: '/demandes/:id/repondre',
  requestPropose: '/demandes/:id/proposer',
  requestValidate: '/demandes/:id/valider',
  requestProposalWithdraw: '/demandes/:id/retirer-proposition',
  requestReopen: '/demandes/:id/reprendre',
  requestClose: '/demandes/:id/cloturer',
  requestLetter: '/demandes/:id/decisions/:decisionId/courrier.pdf',
  requestDossier: '/demandes/:id/dossier.zip',
  listSubscriptions: '/listes-par-courriel',
  listSubscriptionDelete: '/listes-par-courriel/:id/supprimer',
  queue: '/instruction',
  queueAssign: '/instruction/attribuer',
  queueFilters: '/instruction/filtres',
  queueFilterDelete: '/instruction/filtres/:id/supprimer',
  dashboard: '/tableau-de-bord',
  statistics: '/statistiques',
  statisticsChart: '/statistiques/graphiques/:chart',
  statisticsDownload: '/statistiques/chiffres/:format',
  statisticsExtract: '/statistiques/extraction',
  reports: '/rapports',
  reportsSubscription: '/rapports/abonnement',
  reportFile: '/rapports/:id/:format',
  funds: '/fonds',
  fundNew: '/fonds/nouveau',
  fund: '/fonds/:id',
  fundEdit: '/fonds/:id/modifier',
  fundChart: '/fonds/:id/graphique',
  fundExport: '/fonds/:id/mouvements',
  settings: '/admin/parametres',
  payments: '/paiements',
  paymentsGenerate: '/paiements/preparer',
  paymentsStatusReport: '/paiements/rapport-banque',
  batch: '/paiements/lots/:id',
  batchApprove: '/paiements/lots/:id/approuver',
  batchTransmit: '/paiements/lots/:id/transmettre',
  batchSettle: '/paiements/lots/:id/regler',
  batchCancel: '/paiements/lots/:id/annuler',
  batchFile: '/paiements/lots/:id/fichier.xml',
  paymentReject: '/paiements/virements/:id/rejeter',
  paymentReissue: '/paiements/virements/:id/reemettre',
  requestCancelInstalments: '/demandes/:id/annuler-echeances',
  accountReviews: '/paiements/rib',
  accountReview: '/paiements/rib/:id/verifier',
  accountRib: '/comptes-bancaires/:id/rib',
  ownBankAccount: '/comptes-bancaires',
  suppliers: '/admin/beneficiaires',
  supplierNew: '/admin/beneficiaires/nouveau',
  supplier: '/admin/beneficiaires/:id',
  supplierEdit: '/admin/beneficiaires/:id/modifier',
  supplierAccount: '/admin/beneficiaires/:id/compte',
  debtorAccounts: '/admin/comptes-emetteurs',
  debtorAccountEdit: '/admin/comptes-emetteurs/:id/modifier',
  debtorAccountMapping: '/admin/comptes-emetteurs/affectation',
  orientations: '/orientations',
  orientation: '/orientations/:id',
  orientationClose: '/orientations/:id/cloture',
  orientationFollowUp: '/orientations/:id/suite',
  orientationHousehold: '/orientations/:id/menage',
  exchanges: '/echanges',
  funderBillingSettings: '/echanges/facturation',
  exchangesDeliver: '/echanges/deposer',
  exchangeFile: '/echanges/fichiers/:id',
  exchangeFilePart: '/echanges/fichiers/:id/:part',
  exchangeRecordResend: '/echanges/enregistrements/:id/renvoyer',
  rights: '/admin/droits',
  rightNew: '/admin/droits/nouvelle',
  right: '/admin/droits/:id',
  rightAnswer: '/admin/droits/:id/reponse',
  rightExport: '/admin/droits/:id/donnees.json',
  jobs: '/admin/taches',
  jobRerun: '/admin/taches/:id/relancer',
  jobRunNow: '/admin/taches/:job/lancer',
  jobOutput: '/admin/taches/:id/fichiers/:index',
  accounting: '/comptabilite',
  accountingCsv: '/comptabilite/journal.csv',
  accountingXlsx: '/comptabilite/journal.xlsx',
  accountingEntry: '/comptabilite/ecritures/:id',
  accountingBalance: '/comptabilite/balance',
  accountingBalanceCsv: '/comptabilite/balance.csv',
  accountingBalanceXlsx: '/comptabilite/balance.xlsx',
  accountingPayees: '/comptabilite/tiers',
  accountingPayeesCsv: '/comptabilite/tiers.csv',
  accountingPayeesXlsx: '/comptabilite/tiers.xlsx',
  accountingPeriods: '/comptabilite/periodes',
  accountingSettings: '/comptabilite/parametres',
  accountingAccounts: '/comptabilite/parametres/comptes',
  accountingAidTypes: '/comptabilite/parametres/aides',
  accountingExports: '/comptabilite/exports',
  accountingExport: '/comptabilite/exports/:id',
  accountingFec: '/comptabilite/fec',
  missions: '/accompagnement',
  missionNew: '/accompagnement/nouvelle',
  mission: '/accompagnement/:id',
  missionDossier: '/accompagnement/:id/dossier.zip',
  missionAssign: '/accompagnement/:id/attribuer',
  missionAccept: '/accompagnement/:id/accord',
  missionDecline: '/accompagnement/:id/refus',
  missionStart: '/accompagnement/:id/commencer',
  missionSessions: '/accompagnement/:id/entretiens',
  missionComplete: '/accompagnement/:id/terminer',
  missionInterrupt: '/accompagnement/:id/interrompre',
  missionAppointments: '/accompagnement/:id/rendez-vous',
  missionAppointment: '/accompagnement/:id/rendez-vous/:appointmentId',
  missionReport: '/accompagnement/:id/bilan.pdf',
  missionCalendar: '/accompagnement/calendrier',
  missionBilling: '/accompagnement/facturation',
  missionBillingCsv: '/accompagnement/facturation.csv',
  missionBillingXlsx: '/accompagnement/facturation.xlsx',
  missionTypes: '/admin/types-accompagnement',
  missionTypeNew: '/admin/types-accompagnement/nouveau',
  missionType: '/admin/types-accompagnement/:id',
  appointmentLink: '/rdv/:token',
  appointmentLinkConfirm: '/rdv/:token/confirmer',
  appointmentLinkCancel: '/rdv/:token/annuler',
  mails: '/admin/courriels',
  mail: '/admin/courriels/:id',
  mailAttachment: '/admin/courriels/:id/pieces-jointes/:attachmentId',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
} as const;

/** The names of a pattern's parameters, in order: `'/a/:id/b/:docId'` → `['id', 'docId']`. */
type ParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? [Name, ...ParamsOf<`/${Rest}`>]
  : P extends `${string}:${infer Name}`
    ? [Name]
    : [];

/** A URL builder taking one value per parameter of its pattern. */
type Values<T extends string[]> = { [K in keyof T]: string | number };
type Builder<P extends string> = (...values: Values<ParamsOf<P>>) => string;

/** Fills a pattern's parameters in order, each value URL-encoded. */
export function fillPattern(pattern: string, values: ReadonlyArray<string | number>): string {
  let i = 0;
  const url = pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = values[i++];
    if (value === undefined) throw new Error(`missing URL parameter ${name} for ${pattern}`);
    return encodeURIComponent(String(value));
  });
  if (i !== values.length) throw new Error(`too many URL parameters for ${pattern}`);
  return url;
}

function builders<T extends Record<string, string>>(patterns: T): { [K in keyof T]: Builder<T[K]> } {
  return Object.fromEntries(Object.entries(patterns).map(([name, pattern]) => [name, (...values: Array<string | number>) => fillPattern(pattern, values)])) as {
    [K in keyof T]: Builder<T[K]>;
  };
}

/** Every URL of the extranet, in one typed place, built from `routes`. */
export const urls = {
  ...builders(routes),
  /** A tab of the request page. */
  requestTab: (id: string, tab: string) => `${fillPattern(routes.request, [id])}?onglet=${encodeURIComponent(tab)}`,
};

export type Urls = typeof urls;

/** A path that is safe to redirect to after login (same site, no scheme, no protocol-relative trick). */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (value.length > 500 || /[\r\n]/.test(value)) return null;
  return value;
}
