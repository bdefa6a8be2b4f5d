import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { loginAs, type Agent } from '../support/http';
import { householdAgent } from '../support/household';
import { buildRouteWorld, concreteUrl, type HouseholdPersona, type Persona, personaEmails, registeredRoutes, type RouteWorld } from '../support/route-world';

/**
 * CNIL / ASVS 8.3.5: every page or file that shows personal data leaves a read trace, written by
 * the service that reads it (AccessLogService), so a route cannot forget it. Every GET route of
 * the app is classified here: a new route must say whether it shows personal data.
 */
interface PersonalRead {
  persona: Exclude<Persona, 'anonymous' | HouseholdPersona>;
  action: string;
  /** traces one page leaves (default 1) */
  traces?: number;
  /** the answer's status (default 200; a form prefilled then shown at its own address answers 302) */
  status?: number;
}

/** The routes that show one person's or household's data (or many, for an export), as a persona allowed to read them, and the trace expected. */
const PERSONAL_READS: Record<string, PersonalRead> = {
  '/menages/:id': { persona: 'operator', action: 'household.view' },
  '/menages/:id/modifier': { persona: 'instructorA', action: 'household.view' },
  '/menages/:id/fusionner': { persona: 'operator', action: 'household.view' },
  '/menages/:id/separer': { persona: 'instructorA', action: 'household.view' },
  '/menages/:id/rattacher': { persona: 'instructorA', action: 'household.view' },
  '/menages/:id/personnes/nouvelle': { persona: 'instructorA', action: 'household.view' },
  '/menages/:id/membres/:memberId/depart': { persona: 'instructorA', action: 'household.view' },
  '/personnes/:id/modifier': { persona: 'instructorA', action: 'person.view' },
  '/doublons/:id/fusionner': { persona: 'operator', action: 'person.view', traces: 2 },
  '/menages/export.csv': { persona: 'operator', action: 'households.export' },
  '/demandes/:id': { persona: 'instructorA', action: 'request.view.synthese' },
  '/demandes/:id/situation': { persona: 'instructorA', action: 'request.view.situation' },
  '/demandes/:id/aide': { persona: 'instructorA', action: 'request.view.aide' },
  '/demandes/:id/versement': { persona: 'instructorA', action: 'request.view.versement' },
  '/demandes/:id/consentement': { persona: 'instructorA', action: 'request.view.consentement' },
  '/demandes/:id/recapitulatif': { persona: 'instructorA', action: 'request.view.recapitulatif' },
  '/demandes/:id/pieces': { persona: 'instructorA', action: 'request.view.pieces' },
  '/demandes/:id/retirer': { persona: 'instructorA', action: 'request.view.retirer' },
  '/demandes/:id/annuler-echeances': { persona: 'operator', action: 'request.view.annuler-echeances' },
  '/demandes/:id/pieces/:documentId': { persona: 'instructorA', action: 'request.document' },
  '/demandes/:id/pieces-jointes/:attachmentId': { persona: 'operator', action: 'request.attachment' },
  '/demandes/:id/decisions/:decisionId/courrier.pdf': { persona: 'operator', action: 'request.letter' },
  '/demandes/:id/consentement-electronique/:signatureId/:file': { persona: 'operator', action: 'request.consent_signature.document.pdf' },
  '/demandes/:id/dossier.zip': { persona: 'operator', action: 'request.dossier_export' },
  '/demandes/export.csv': { persona: 'operator', action: 'requests.export' },
  '/demandes/export.xlsx': { persona: 'operator', action: 'requests.export' },
  '/accompagnement/:id': { persona: 'social_adviser', action: 'mission.view' },
  '/accompagnement/:id/bilan.pdf': { persona: 'operator', action: 'mission.report' },
  '/accompagnement/:id/dossier.zip': { persona: 'operator', action: 'mission.dossier_export' },
  '/admin/droits/:id': { persona: 'admin', action: 'rights.view' },
  '/assistance/:id': { persona: 'adminA', action: 'assistance.view' },
  '/assistance/:id/pieces-jointes/:attachmentId': { persona: 'admin', action: 'assistance.attachment' },
  // the breach register may describe the people a breach touched: each entry read and each export traced
  '/admin/violations/:id': { persona: 'auditor', action: 'breach.view' },
  '/admin/violations/:id/modifier': { persona: 'admin', action: 'breach.view' },
  '/admin/violations/registre.csv': { persona: 'auditor', action: 'breaches.export' },
  '/orientations/:id': { persona: 'operator', action: 'orientation.view' },
  // the household form prefilled from the orientation: the orientation is read to fill it
  '/orientations/:id/menage': { persona: 'operator', action: 'orientation.view', status: 302 },
  '/admin/droits/:id/donnees.json': { persona: 'admin', action: 'person.export' },
  // a file exchanged with Action Logement, downloaded: an ORIENTATIONS file names the people oriented (every part and flow traced alike)
  '/echanges/fichiers/:id/:part': { persona: 'operator', action: 'funder_file.download' },
};

/**
 * The household space's pages that show its own dossier: traced in household_access_events (the
 * person's reads, not a staff member's), as the household persona `menage` (household A's holder).
 */
const HOUSEHOLD_READS: Record<string, { action: string }> = {
  '/mon-espace': { action: 'household.home' },
  '/mon-espace/documents': { action: 'household.documents.list' },
  '/mon-espace/documents/fichiers/:householdFileId': { action: 'household.document.download' },
  '/mon-espace/demandes/:requestId': { action: 'household.request' },
  '/mon-espace/demandes/:requestId/courrier/:letterId': { action: 'household.decision_letter' },
  '/mon-espace/demandes/:requestId/consentement': { action: 'household.consent.view' },
  '/mon-espace/demandes/:requestId/consentement/retirer': { action: 'household.consent.view' },
  '/mon-espace/demandes/:requestId/consentement/texte.pdf': { action: 'household.consent.text' },
  '/mon-espace/demandes/:requestId/consentement/:consentId/:consentFile': { action: 'household.consent.file' },
  '/mon-espace/accompagnements/:missionId': { action: 'household.mission' },
  '/mon-espace/rendez-vous': { action: 'household.appointments' },
  '/mon-espace/rendez-vous/:bookingId': { action: 'household.appointment' },
  '/mon-espace/rendez-vous/:bookingId/deplacer': { action: 'household.appointment' },
  // issue 17: the household's satisfaction questionnaires (the kind of support and when it was sent)
  '/mon-espace/questionnaires': { action: 'household.surveys' },
  '/mon-espace/questionnaires/a-remplir/:surveyId': { action: 'household.survey' },
};

/** The other GET routes, by reason they show no one's personal data record by record. */
const NOT_PERSONAL: Record<string, readonly string[]> = {
  'lists and queues: a search result, each record opened is traced on its own page': [
    '/',
    '/menages',
    '/demandes',
    '/instruction',
    '/accompagnement',
    '/accompagnement/calendrier',
    '/doublons',
    '/personnes/doublons',
    '/admin/droits',
    '/orientations',
    '/assistance',
    '/admin/assistance',
    '/admin/violations',
  ],
  'forms to create a record (nothing read yet)': [
    '/menages/nouveau',
    '/demandes/nouvelle',
    '/accompagnement/nouvelle',
    '/admin/droits/nouvelle',
    '/assistance/nouvelle',
    '/admin/violations/nouvelle',
  ],
  'organisations, accounts of staff, settings and reference data': [
    '/echanges/facturation',
    '/admin/membres',
    '/admin/membres/:id',
    '/admin/membres/:id/modifier',
    '/admin/membres/:id/agences/:agencyId/modifier',
    '/admin/membres/nouveau',
    '/utilisateurs',
    '/utilisateurs/:id',
    '/utilisateurs/:id/modifier',
    '/utilisateurs/nouveau',
    '/admin/parametres',
    '/admin/types-accompagnement',
    '/admin/types-accompagnement/:id',
    '/admin/types-accompagnement/nouveau',
    '/aides',
    '/aides/:id',
    '/aides/:id/modifier',
    '/aides/:id/versions/nouvelle',
    '/aides/nouvelle',
  ],
  'the signed-in person’s own account and the login pages': [
    '/mon-compte',
    '/mon-compte/codes-de-secours',
    '/mon-compte/mot-de-passe',
    '/connexion',
    '/connexion/second-facteur',
    '/mot-de-passe/definir/:token',
    '/mot-de-passe/oublie',
  ],
  'money, bank accounts of landlords and suppliers (organisations), accounting figures': [
    '/paiements',
    '/paiements/lots/:id',
    '/paiements/lots/:id/annuler',
    '/paiements/lots/:id/fichier.xml',
    '/paiements/rib',
    '/comptes-bancaires',
    '/comptes-bancaires/:id/rib',
    '/admin/beneficiaires',
    '/admin/beneficiaires/:id',
    '/admin/beneficiaires/nouveau',
    '/admin/comptes-emetteurs',
    '/admin/comptes-emetteurs/:id/modifier',
    '/comptabilite',
    '/comptabilite/balance',
    '/comptabilite/balance.csv',
    '/comptabilite/balance.xlsx',
    '/comptabilite/ecritures/:id',
    '/comptabilite/exports',
    '/comptabilite/exports/:id',
    '/comptabilite/fec',
    '/comptabilite/journal.csv',
    '/comptabilite/journal.xlsx',
    '/comptabilite/parametres',
    '/comptabilite/periodes',
    '/comptabilite/tiers',
    '/comptabilite/tiers.csv',
    '/comptabilite/tiers.xlsx',
    '/accompagnement/facturation',
    '/accompagnement/facturation.csv',
    '/accompagnement/facturation.xlsx',
  ],
  'operations: jobs, outbox, figures without names, health': [
    '/admin/taches',
    '/admin/taches/:id/fichiers/:index',
    '/admin/courriels',
    '/admin/courriels/:id',
    '/admin/courriels/:id/pieces-jointes/:attachmentId',
    '/tableau-de-bord',
    '/healthz',
    '/readyz',
    '/metrics',
  ],
  'exchanges with Action Logement: files, counts, control totals and record ids, codes and messages (SUIVI, FACTURATION hold ASD case numbers and references, never a name; an orientation’s person is read on its own page)':
    ['/echanges', '/echanges/fichiers/:id'],
  'the household’s own appointment link (no account: the link is the household’s)': ['/rdv/:token'],
  'satisfaction: the questionnaire of a mailed link (the questions and the kind of support, never a name); the results of anonymous answers (no household in their table)':
    ['/mon-espace/questionnaires/:surveyToken', '/statistiques/satisfaction'],
  'booking: advisers’ free hours, kinds of appointment, the QR code’s public page, an adviser’s own openings, the poster': [
    '/mon-espace/rendez-vous/prendre',
    '/mon-espace/prendre-rendez-vous',
    '/mon-espace/prendre-rendez-vous/merci',
    '/accompagnement/disponibilites',
    '/accompagnement/disponibilites/motifs',
    '/accompagnement/disponibilites/affiche.pdf',
  ],
  'the household space’s door and forms (the link page shows a first name and a masked address to the link’s holder)': [
    '/mon-espace/acces',
    '/mon-espace/lien/:token',
    '/mon-espace/mes-droits',
  ],
  'statistics: figures from the aggregates, never a name (« < 5 » under five households), their charts and downloads; the extraction’s form (the pseudonymised file is a POST, audited)':
    ['/statistiques', '/statistiques/graphiques/:chart', '/statistiques/chiffres/:format', '/statistiques/extraction'],
  'the weekly self-audit: staff accounts (name, e-mail, role, last login — like the user pages), configuration, backups, dependencies, never a household or a dossier':
    ['/admin/auto-controle', '/admin/auto-controle/:id'],
  'monthly activity reports: figures from the statistics’ aggregates, never a name (« < 5 » under five households), their PDF/XLSX downloads': [
    '/rapports',
    '/rapports/:id/:format',
  ],
  'budget envelopes: totals, landlords, aid types and movements named by request reference, never a person (the workbook of movements is traced all the same, as fund.export)':
    ['/fonds', '/fonds/nouveau', '/fonds/:id', '/fonds/:id/modifier', '/fonds/:id/graphique', '/fonds/:id/mouvements'],
  'the lists a person receives by mail: their names, filters and frequencies (the list itself is mailed, its export traced as the person’s read)': [
    '/listes-par-courriel',
  ],
};

let ctx: TestContext;
let routeWorld: RouteWorld;
const agents = new Map<Persona, Agent>();
let household: Agent;
beforeAll(async () => {
  ctx = await startTestApp();
  routeWorld = await buildRouteWorld(ctx.knex);
  agents.set('anonymous', request.agent(ctx.app));
  for (const [persona, email] of Object.entries(personaEmails(routeWorld.world))) agents.set(persona as Persona, await loginAs(ctx.app, email));
  household = await householdAgent(ctx, routeWorld.household.personA as string);
});
afterAll(() => ctx.close());

const tracesOf = async (userId: string, action: string): Promise<number> => {
  const row = await ctx.knex('access_events').where({ user_id: userId, action }).count<{ n: string }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
};

describe('personal data read, traced', () => {
  it('classifies every GET route of the app', () => {
    const classified = new Set([...Object.keys(PERSONAL_READS), ...Object.keys(HOUSEHOLD_READS), ...Object.values(NOT_PERSONAL).flat()]);
    const routes = registeredRoutes(ctx.app)
      .filter((r) => r.startsWith('GET '))
      .map((r) => r.slice(4));
    expect(routes.filter((r) => !classified.has(r))).toEqual([]);
    expect([...classified].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each(Object.entries(PERSONAL_READS))('GET %s leaves a read trace', async (path, { persona, action, traces = 1, status = 200 }) => {
    const userId = (
      await ctx
        .knex('users')
        .where({ email: personaEmails(routeWorld.world)[persona] })
        .first<{ id: string }>('id')
    )?.id;
    const before = await tracesOf(userId, action);
    const res = await (agents.get(persona) as Agent).get(concreteUrl(routeWorld, path));
    expect({ path, status: res.status }).toEqual({ path, status });
    expect({ path, traces: (await tracesOf(userId, action)) - before }).toEqual({ path, traces });
  });

  it.each(Object.entries(HOUSEHOLD_READS))('GET %s leaves the household’s read trace', async (path, { action }) => {
    const personId = routeWorld.household.personA as string;
    const count = async () =>
      Number((await ctx.knex('household_access_events').where({ person_id: personId, action }).count<{ n: string }[]>({ n: '*' }).first())?.n ?? 0);
    const before = await count();
    const res = await household.get(concreteUrl(routeWorld, path));
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect({ path, traces: (await count()) - before }).toEqual({ path, traces: 1 });
  });
});
