/** Every URL of the extranet, in one typed place: templates and redirects never concatenate paths. */
export const urls = {
  home: () => '/',
  login: () => '/connexion',
  logout: () => '/deconnexion',
  forgotPassword: () => '/mot-de-passe/oublie',
  setPassword: (token: string) => `/mot-de-passe/definir/${encodeURIComponent(token)}`,
  account: () => '/mon-compte',
  accountPassword: () => '/mon-compte/mot-de-passe',

  organisations: () => '/admin/membres',
  organisationNew: () => '/admin/membres/nouveau',
  organisation: (id: string) => `/admin/membres/${id}`,
  organisationEdit: (id: string) => `/admin/membres/${id}/modifier`,
  organisationAgencies: (id: string) => `/admin/membres/${id}/agences`,
  agencyEdit: (organisationId: string, agencyId: string) => `/admin/membres/${organisationId}/agences/${agencyId}/modifier`,

  users: () => '/utilisateurs',
  userNew: () => '/utilisateurs/nouveau',
  user: (id: string) => `/utilisateurs/${id}`,
  userEdit: (id: string) => `/utilisateurs/${id}/modifier`,
  userDeactivate: (id: string) => `/utilisateurs/${id}/desactiver`,
  userReactivate: (id: string) => `/utilisateurs/${id}/reactiver`,
  userSendPasswordLink: (id: string) => `/utilisateurs/${id}/envoyer-lien`,

  households: () => '/menages',
  householdsCsv: () => '/menages/export.csv',
  householdNew: () => '/menages/nouveau',
  household: (id: string) => `/menages/${id}`,
  householdEdit: (id: string) => `/menages/${id}/modifier`,
  householdAddPerson: (id: string) => `/menages/${id}/personnes/nouvelle`,
  householdJoin: (id: string) => `/menages/${id}/rattacher`,
  householdSplit: (id: string) => `/menages/${id}/separer`,
  householdMerge: (id: string) => `/menages/${id}/fusionner`,
  memberLeave: (id: string, memberId: string) => `/menages/${id}/membres/${memberId}/depart`,
  personEdit: (id: string) => `/personnes/${id}/modifier`,
  personDuplicateCheck: () => '/personnes/doublons',
  duplicates: () => '/doublons',
  duplicateMerge: (id: string) => `/doublons/${id}/fusionner`,
  duplicateDismiss: (id: string) => `/doublons/${id}/ecarter`,

  aidTypes: () => '/aides',
  aidTypeNew: () => '/aides/nouvelle',
  aidType: (id: string) => `/aides/${id}`,
  aidTypeEdit: (id: string) => `/aides/${id}/modifier`,
  aidTypeVersionNew: (id: string) => `/aides/${id}/versions/nouvelle`,

  requests: () => '/demandes',
  requestNew: () => '/demandes/nouvelle',
  request: (id: string) => `/demandes/${id}`,
  requestSituation: (id: string) => `/demandes/${id}/situation`,
  requestCheck: (id: string) => `/demandes/${id}/verifications`,
  requestSubmit: (id: string) => `/demandes/${id}/deposer`,
  requestWithdraw: (id: string) => `/demandes/${id}/retirer`,
  requestDocuments: (id: string) => `/demandes/${id}/pieces`,
  requestDocument: (id: string, documentId: string) => `/demandes/${id}/pieces/${documentId}`,

  mails: () => '/admin/courriels',
  mail: (id: string) => `/admin/courriels/${id}`,

  healthz: () => '/healthz',
  readyz: () => '/readyz',
} as const;

export type Urls = typeof urls;

/** Express route patterns derived from the same functions (":id" placeholders). */
export const routes = {
  setPassword: urls.setPassword(':token').replace('%3A', ':'),
  organisation: urls.organisation(':id'),
  organisationEdit: urls.organisationEdit(':id'),
  organisationAgencies: urls.organisationAgencies(':id'),
  agencyEdit: urls.agencyEdit(':id', ':agencyId'),
  user: urls.user(':id'),
  userEdit: urls.userEdit(':id'),
  userDeactivate: urls.userDeactivate(':id'),
  userReactivate: urls.userReactivate(':id'),
  userSendPasswordLink: urls.userSendPasswordLink(':id'),
  mail: urls.mail(':id'),
  household: urls.household(':id'),
  householdEdit: urls.householdEdit(':id'),
  householdAddPerson: urls.householdAddPerson(':id'),
  householdJoin: urls.householdJoin(':id'),
  householdSplit: urls.householdSplit(':id'),
  householdMerge: urls.householdMerge(':id'),
  memberLeave: urls.memberLeave(':id', ':memberId'),
  personEdit: urls.personEdit(':id'),
  duplicateMerge: urls.duplicateMerge(':id'),
  duplicateDismiss: urls.duplicateDismiss(':id'),
  aidType: urls.aidType(':id'),
  aidTypeEdit: urls.aidTypeEdit(':id'),
  aidTypeVersionNew: urls.aidTypeVersionNew(':id'),
  request: urls.request(':id'),
  requestSituation: urls.requestSituation(':id'),
  requestCheck: urls.requestCheck(':id'),
  requestSubmit: urls.requestSubmit(':id'),
  requestWithdraw: urls.requestWithdraw(':id'),
  requestDocuments: urls.requestDocuments(':id'),
  requestDocument: urls.requestDocument(':id', ':documentId'),
} as const;

/** A path that is safe to redirect to after login (same site, no scheme, no protocol-relative trick). */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (value.length > 500 || /[\r\n]/.test(value)) return null;
  return value;
}
