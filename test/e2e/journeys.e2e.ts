import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page } from 'playwright-core';
import winston from 'winston';
import { authenticator } from 'otplib';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createServices } from '../../src/services';
import { systemClock } from '../../src/shared/clock';
import { addDays, parisDate } from '../../src/shared/dates';
import { DEMO_PASSWORD } from '../../seeds/demo';
import { type DemoBrowser, E2E_SECRET, expectAccessible, startDemoBrowser, loginDemo } from '../support/demo-browser';

/** Browser journeys on the real app with the demo data, in Debian Chromium, checked with axe. */
const SCREENSHOTS = path.resolve(__dirname, 'screenshots');

let demo: DemoBrowser;
let db: Database;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  demo = await startDemoBrowser('/tmp/entraide-e2e');
  ({ db, baseUrl, browser } = demo);
});

afterAll(async () => {
  await demo?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const login = (page: Page, email: string): Promise<void> => loginDemo(page, baseUrl, email);

const DEMO_LOGINS: Array<[string, string[]]> = [
  [
    'admin@asso.demo',
    [
      'Accueil',
      'Tableau de bord',
      'Statistiques',
      'Rapports',
      'Instruction',
      'Demandes',
      'Accompagnement',
      'Orientations ASD',
      'Échanges',
      'Paiements',
      'Fonds',
      'Comptabilité',
      'Ménages',
      'Doublons',
      'Aides',
      'Membres',
      'Utilisateurs',
      'Courriels',
      'Tâches',
      'Auto-contrôle',
      'Droits RGPD',
      'Assistance',
      'Violations de données',
      'Paramètres',
    ],
  ],
  [
    'operateur@asso.demo',
    [
      'Accueil',
      'Tableau de bord',
      'Statistiques',
      'Instruction',
      'Demandes',
      'Accompagnement',
      'Orientations ASD',
      'Échanges',
      'Paiements',
      'Fonds',
      'Ménages',
      'Doublons',
      'Aides',
    ],
  ],
  ['conseiller@asso.demo', ['Accueil', 'Statistiques', 'Accompagnement']],
  ['comptable@asso.demo', ['Accueil', 'Paiements', 'Fonds', 'Comptabilité', 'Aides']],
  ['auditeur@asso.demo', ['Accueil', 'Tableau de bord', 'Statistiques', 'Rapports', 'Échanges', 'Fonds', 'Tâches', 'Auto-contrôle', 'Violations de données']],
  [
    'admin@bailleur-a.demo',
    ['Accueil', 'Statistiques', 'Rapports', 'Demandes', 'Accompagnement', 'Orientations ASD', 'Ménages', 'Aides', 'Utilisateurs', 'Compte bancaire'],
  ],
  ['instructeur@bailleur-a.demo', ['Accueil', 'Demandes', 'Accompagnement', 'Orientations ASD', 'Ménages', 'Aides']],
  [
    'admin@bailleur-b.demo',
    ['Accueil', 'Statistiques', 'Rapports', 'Demandes', 'Accompagnement', 'Orientations ASD', 'Ménages', 'Aides', 'Utilisateurs', 'Compte bancaire'],
  ],
  ['instructeur@bailleur-b.demo', ['Accueil', 'Demandes', 'Accompagnement', 'Orientations ASD', 'Ménages', 'Aides']],
];

describe('every demo role', () => {
  it('the login page is accessible', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/connexion`);
    await expectAccessible(page, 'connexion');
    await shot(page, '00-connexion');
    await context.close();
  });

  it.each(DEMO_LOGINS)('%s logs in, sees only its navigation, and every page it can open is accessible', async (email, navigation) => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, email);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toMatch(/^Bonjour /);
    const items = await page.locator('nav[aria-label="Navigation principale"] .nav-link').allInnerTexts();
    expect(items).toEqual(navigation);
    await expect(page.getByRole('button', { name: 'Se déconnecter' }).isVisible()).resolves.toBe(true);
    const slug = email.replace(/[@.]/g, '-');
    await expectAccessible(page, `${email} accueil`);
    await shot(page, `${slug}-accueil`);
    const hrefs = await page.locator('nav[aria-label="Navigation principale"] .nav-link').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    for (const href of [...hrefs, '/mon-compte', '/mon-compte/mot-de-passe']) {
      await page.goto(`${baseUrl}${href}`);
      await expectAccessible(page, `${email} ${href}`);
      await shot(page, `${slug}${(href as string).replace(/\//g, '-')}`);
    }
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/connexion\?deconnecte=1$/);
    await context.close();
  });
});

describe('association admin journeys', () => {
  it('creates a member, correcting a wrong SIREN shown next to its field, then adds an agency and a user', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'admin@asso.demo');
    await page.goto(`${baseUrl}/admin/membres/nouveau`);
    await page.getByLabel('Bailleur').check();
    await page.getByLabel('Nom', { exact: true }).fill('Habitat du Littoral');
    await page.getByLabel('SIREN').fill('123 456 789');
    await page.getByLabel('Ville').fill('Calais');
    await page.getByRole('button', { name: 'Créer le membre' }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('SIREN n’est pas valide');
    await expect(page.getByLabel('Nom', { exact: true }).inputValue()).resolves.toBe('Habitat du Littoral');
    await expectAccessible(page, 'membre en erreur');
    await shot(page, 'admin-membre-erreur');
    await page.locator('.error-summary a[href="#siren"]').click();
    await expect(page.locator('#siren:focus').count()).resolves.toBe(1);
    await page.getByLabel('SIREN').fill('398 765 438');
    await page.getByRole('button', { name: 'Créer le membre' }).click();
    await page.waitForURL(/\/admin\/membres\/[0-9a-f-]{36}$/);
    await expect(page.locator('.last-update').innerText()).resolves.toContain('par Claire Martin');

    await page.getByLabel('Nom de l’agence').fill('Agence Calais Centre');
    await page.getByRole('button', { name: 'Ajouter l’agence' }).click();
    await expect(page.locator('#agences').locator('..').innerText()).resolves.toContain('Agence Calais Centre');
    await expectAccessible(page, 'fiche membre');
    await shot(page, 'admin-membre-fiche');

    await page.getByRole('link', { name: 'Ajouter un utilisateur' }).click();
    await page.getByLabel('Prénom').fill('Hugo');
    await page.getByLabel('Nom', { exact: true }).fill('Lambert');
    await page.getByLabel('Adresse e-mail').fill('hugo.lambert@littoral.test');
    await page.getByLabel('Rôle').selectOption('landlord_admin');
    // a landlord administrator manages access and gives the bank account: creating one asks the password again
    await page.getByLabel('Votre mot de passe').fill(DEMO_PASSWORD);
    await expectAccessible(page, 'nouvel utilisateur');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await page.waitForURL(/\/utilisateurs\/[0-9a-f-]{36}$/);
    await expect(page.locator('.alert-success').innerText()).resolves.toContain('lien pour choisir son mot de passe');
    await expectAccessible(page, 'fiche utilisateur');
    await shot(page, 'admin-utilisateur-fiche');
    await context.close();
  });
});

describe('households journeys', () => {
  it('an instructor files a household; the live check warns that the holder is already known; the operator reviews the suspicion and dismisses it', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'instructeur@bailleur-b.demo');
    await page.goto(`${baseUrl}/menages/nouveau`);
    await page.getByLabel('Adresse', { exact: true }).fill('5 rue Nationale');
    await page.getByLabel('Code postal').fill('59000');
    await page.getByLabel('Ville').fill('Lille');
    await page.getByLabel('Référence du bail').fill('B-2026-00001');
    await page.getByLabel('Loyer mensuel hors charges').fill('455,30');
    await page.getByLabel('Nom de famille').fill('Haddad');
    await page.getByLabel('Prénoms').fill('Karim');
    await page.getByLabel('Date de naissance').fill('1979-11-20');
    await page.getByLabel('Date de naissance').blur();
    await expect(page.locator('#duplicate-check .alert-warning').innerText()).resolves.toContain('déjà connue');
    await expectAccessible(page, 'nouveau ménage, doublon détecté');
    await shot(page, 'menage-doublon-en-direct');
    await page.getByLabel('Situation professionnelle').selectOption('job_seeker');
    await page.getByRole('button', { name: 'Créer le ménage' }).click();
    await expect(page.locator('#confirmNotDuplicate-error').innerText()).resolves.toContain('déjà connue');
    await expect(page.getByLabel('Loyer mensuel hors charges').inputValue()).resolves.toBe('455,30');
    await page.getByLabel('Enregistrer quand même et prévenir l’association').check();
    await page.getByRole('button', { name: 'Créer le ménage' }).click();
    await page.waitForURL(/\/menages\/[0-9a-f-]{36}$/);
    await expect(page.locator('h1').innerText()).resolves.toBe('Karim Haddad');
    await expectAccessible(page, 'fiche ménage');
    await shot(page, 'menage-fiche');
    await context.close();

    const operatorContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const operator = await operatorContext.newPage();
    await login(operator, 'operateur@asso.demo');
    await operator.goto(`${baseUrl}/doublons`);
    await expectAccessible(operator, 'doublons');
    await shot(operator, 'doublons');
    const cards = operator.locator('section.card');
    await expect(cards.count()).resolves.toBe(2);
    await cards.filter({ hasText: 'Karim' }).getByRole('button', { name: 'Ce ne sont pas les mêmes personnes' }).click();
    await expect(operator.locator('.alert-success').innerText()).resolves.toContain('écarté');
    await expect(operator.locator('section.card').count()).resolves.toBe(1);
    await operatorContext.close();
  });
});

describe('aid catalogue journey', () => {
  it('an admin reads the rent aid and prepares a new version of its rules from the current one', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'admin@asso.demo');
    await page.goto(`${baseUrl}/aides`);
    await expectAccessible(page, 'catalogue');
    await page.getByRole('link', { name: 'Aide sur quittance' }).click();
    await expect(page.locator('.badge.text-bg-primary').innerText()).resolves.toBe('En vigueur');
    await expectAccessible(page, 'fiche aide');
    await shot(page, 'aide-sur-quittance');
    await page.getByRole('link', { name: 'Nouvelle version des règles' }).click();
    await expect(page.getByLabel('Plafond par demande').inputValue()).resolves.toBe('3000,00');
    await page.getByLabel('Plafond par demande').fill('3 200');
    await page.getByRole('button', { name: 'Enregistrer la nouvelle version' }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('date d’entrée en vigueur');
    await expect(page.getByLabel('Plafond par demande').inputValue()).resolves.toBe('3 200');
    await expectAccessible(page, 'nouvelle version en erreur');
    await shot(page, 'aide-nouvelle-version');
    await context.close();
  });
});

describe('aid request journey', () => {
  it('a landlord files a rent aid step by step with live checks; the association asks, gets an answer, decides in two levels; the letter is ready', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'instructeur@bailleur-a.demo');
    await page.goto(`${baseUrl}/menages`);
    await page.getByRole('link', { name: 'Koné Aïcha' }).click();
    await page.getByRole('link', { name: 'Nouvelle demande d’aide' }).click();
    await page.getByLabel('Aide sur quittance').check();
    await page.getByRole('button', { name: 'Créer le brouillon et continuer' }).click();
    await page.waitForURL(/\/situation$/);
    await page.getByLabel('Cause de la difficulté').selectOption('job_loss');
    await page.getByLabel('Dette de loyer').fill('1 090');
    await page.getByLabel('Mois d’impayés').fill('2');
    await page.locator('#checks', { hasText: 'Taux d’effort' }).waitFor();
    await expectAccessible(page, 'étape situation');
    await shot(page, 'demande-1-situation');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL(/\/aide$/);
    await page.getByLabel('Montant demandé').fill('3 500');
    await page.getByLabel('Nombre de mensualités').fill('6');
    await page.locator('#checks .check-error', { hasText: 'dépasse le plafond' }).waitFor();
    await page.getByLabel('Montant demandé').fill('1 800');
    await page.getByLabel('Nombre de mensualités').press('Tab');
    await page.locator('#checks .check-ok', { hasText: 'respecte le plafond' }).waitFor();
    await expectAccessible(page, 'étape aide');
    await shot(page, 'demande-2-aide');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL(/\/versement$/);
    await expect(page.getByLabel('IBAN').inputValue()).resolves.toBe('FR76 3000 4000 0312 3456 7890 143');
    await page.getByLabel('IBAN').fill('FR76 3000 4000 0312 3456 7890 144');
    await page.locator('#checks .check-error', { hasText: 'clé de contrôle' }).waitFor();
    await page.getByLabel('IBAN').fill('FR76 3000 4000 0312 3456 7890 143');
    await page.locator('#checks .check-ok', { hasText: 'IBAN valide' }).waitFor();
    await expectAccessible(page, 'étape versement');
    await shot(page, 'demande-3-versement');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL(/\/pieces$/);
    for (const [kind, name] of [
      ['rent_receipt', 'quittance.pdf'],
      ['payslips', 'bulletins.pdf'],
      ['tax_notice', 'avis d’imposition.pdf'],
    ]) {
      await page.getByLabel('Type de pièce').selectOption(kind as string);
      await page
        .getByLabel('Ajouter des fichiers')
        .setInputFiles({ name: name as string, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
      await page.getByRole('button', { name: 'Enregistrer les pièces' }).click();
      await expect(page.locator('.alert-success').innerText()).resolves.toContain('Pièce ajoutée');
    }
    await expectAccessible(page, 'étape pièces');
    await page.getByRole('link', { name: 'Continuer' }).click();
    await page.getByLabel('Le locataire a reçu cette information', { exact: false }).check();
    await page.getByLabel('Date du consentement').fill('2026-11-20');
    await page.getByLabel('Comment il a été recueilli').selectOption('paper_signed');
    await expectAccessible(page, 'étape consentement');
    await page.getByRole('button', { name: 'Enregistrer et continuer' }).click();
    await page.waitForURL(/\/recapitulatif$/);
    await expectAccessible(page, 'récapitulatif');
    await shot(page, 'demande-4-recapitulatif');
    await page.getByRole('button', { name: 'Déposer la demande' }).click();
    await expect(page.locator('.alert-success').innerText()).resolves.toMatch(/La demande 2026-\d{5} est déposée/);
    const reference = (await page.locator('h1').innerText()).split('— ')[1] as string;
    const requestUrl = page.url();
    await expectAccessible(page, 'demande déposée');
    await shot(page, 'demande-5-deposee');

    const opContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const operator = await opContext.newPage();
    await login(operator, 'operateur@asso.demo');
    await operator.goto(`${baseUrl}/instruction`);
    await expectAccessible(operator, 'file À prendre');
    await shot(operator, 'instruction-a-prendre');
    await operator.getByRole('link', { name: reference }).click();
    await operator.getByRole('button', { name: 'Prendre en instruction' }).click();
    await expect(operator.locator('.status').innerText()).resolves.toBe('En instruction');
    await operator.getByLabel('Demander des informations au bailleur').fill('Merci de joindre l’attestation de l’employeur.');
    await operator.getByRole('button', { name: 'Envoyer la demande d’informations' }).click();
    await expect(operator.locator('.status').innerText()).resolves.toBe('En attente du bailleur');

    await page.goto(requestUrl);
    await page.getByRole('link', { name: 'Voir la demande et répondre' }).click();
    await page.getByLabel('Votre réponse').fill('Voici l’attestation de l’employeur.');
    await page.getByLabel('Pièces jointes').setInputFiles({ name: 'attestation.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await expectAccessible(page, 'échanges, réponse');
    await page.getByRole('button', { name: 'Envoyer la réponse' }).click();
    await expect(page.locator('.message').last().innerText()).resolves.toContain('attestation.pdf');
    await shot(page, 'demande-6-echanges');

    await operator.goto(requestUrl);
    await operator.getByRole('link', { name: 'Accorder', exact: true }).click();
    await operator.getByLabel('Montant accordé').fill('1 800');
    await operator.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await expect(operator.locator('.alert-success').innerText()).resolves.toContain('attend la validation');
    await expectAccessible(operator, 'proposition à valider');
    await shot(operator, 'instruction-proposition');
    await opContext.close();

    const adminContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const admin = await adminContext.newPage();
    await login(admin, 'admin@asso.demo');
    await admin.goto(`${baseUrl}/instruction?onglet=a_valider`);
    await admin.getByRole('link', { name: reference }).click();
    await admin.getByLabel('Valider la décision').check();
    await admin.getByRole('button', { name: 'Enregistrer la validation' }).click();
    await expect(admin.locator('.status').innerText()).resolves.toBe('Accordée');
    await expect(admin.locator('#echeancier').locator('..').innerText()).resolves.toContain('300,00');
    await expectAccessible(admin, 'demande accordée');
    await shot(admin, 'instruction-accordee');
    await admin.goto(`${baseUrl}/tableau-de-bord`);
    await expectAccessible(admin, 'tableau de bord');
    await shot(admin, 'tableau-de-bord');
    await adminContext.close();

    await page.goto(requestUrl);
    await expect(page.getByRole('link', { name: 'Courrier de décision (PDF)' }).count()).resolves.toBe(1);
    await context.close();
  });
});

describe('payment journey', () => {
  it('an operator prepares the virements, checks a new IBAN against its RIB; the accountant approves and transmits; the notice leaves', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    const page = await context.newPage();
    await login(page, 'operateur@asso.demo');
    await page.goto(`${baseUrl}/paiements`);
    await page.getByRole('button', { name: 'Préparer les virements' }).click();
    await page.locator('.alert-success', { hasText: 'préparé' }).waitFor();
    await expectAccessible(page, 'paiements');
    await shot(page, 'paiements-1-lot-prepare');
    await page.getByRole('link', { name: 'RIB à vérifier' }).click();
    await page.getByRole('heading', { name: 'Coordonnées bancaires à vérifier' }).waitFor();
    await expectAccessible(page, 'rib à vérifier');
    await shot(page, 'paiements-2-rib');
    // confirming an IBAN asks the password again (ASVS 3.7.1)
    await page.locator('#confirmPassword-1').fill(DEMO_PASSWORD);
    await page
      .getByRole('button', { name: /Confirmer/ })
      .first()
      .click();
    await page.locator('.alert-success', { hasText: 'Compte confirmé' }).waitFor();
    await page.goto(`${baseUrl}/admin/beneficiaires`);
    await expectAccessible(page, 'bénéficiaires');
    await page.getByRole('link', { name: 'EDF Collectivités' }).click();
    await expectAccessible(page, 'fiche bénéficiaire');
    await context.clearCookies();

    await login(page, 'comptable@asso.demo');
    await page.goto(`${baseUrl}/paiements`);
    await page.locator('table tbody tr', { hasText: 'Préparé — à approuver' }).getByRole('link').click();
    await page.getByLabel('Votre mot de passe').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Approuver le lot' }).click();
    await page.locator('.alert-success', { hasText: 'Lot approuvé' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger le fichier pour la banque' }).click();
    const file = fs.readFileSync(await (await download).path(), 'utf8');
    expect(file).toContain('urn:iso:std:iso:20022:tech:xsd:pain.001.001.03');
    await page.getByRole('button', { name: /Marquer transmis/ }).click();
    await page.locator('.alert-success', { hasText: 'Lot transmis' }).waitFor();
    await expectAccessible(page, 'lot transmis');
    await shot(page, 'paiements-3-lot-transmis');
    await context.clearCookies();

    await login(page, 'admin@asso.demo');
    await page.goto(`${baseUrl}/admin/courriels`);
    await expect(page.locator('tbody tr', { hasText: 'Avis de mise en paiement' }).count()).resolves.toBeGreaterThan(2);
    await page.goto(`${baseUrl}/admin/comptes-emetteurs`);
    await expectAccessible(page, 'comptes émetteurs');
    await page.goto(`${baseUrl}/admin/taches`);
    await expect(page.locator('#historique-executions').locator('tbody tr', { hasText: 'sepa-batches' }).count()).resolves.toBeGreaterThan(0);
    await shot(page, 'paiements-4-taches');
    await context.clearCookies();

    await login(page, 'admin@bailleur-b.demo');
    await page.goto(`${baseUrl}/comptes-bancaires`);
    await expect(page.locator('main').innerText()).resolves.toContain('Vérifié — utilisé pour les virements');
    await expectAccessible(page, 'compte bancaire du bailleur');
    await shot(page, 'paiements-5-compte-bailleur');
    await context.close();
  });
});

describe('accounting journey', () => {
  it('the accountant reads the ledger, the trial balance and the payee balances, closes last month and downloads the FEC', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    const page = await context.newPage();
    await login(page, 'comptable@asso.demo');
    await page.goto(`${baseUrl}/comptabilite`);
    await expect(page.locator('tbody tr').count()).resolves.toBeGreaterThan(5);
    await shot(page, 'comptabilite-1-journal');
    for (const [tab, name] of [
      ['Balance générale', 'balance'],
      ['Soldes des tiers', 'tiers'],
      ['Exports', 'exports'],
      ['Paramètres', 'parametres'],
      ['Périodes', 'periodes'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Comptabilité' }).getByRole('link', { name: tab }).click();
      await page.waitForURL(new RegExp(`/comptabilite/${name}`));
      await expectAccessible(page, `comptabilité ${name}`);
      await shot(page, `comptabilite-${name}`);
    }
    await page.getByLabel('Mois à clore').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Clore' }).click();
    await page.locator('.alert-success', { hasText: 'est close' }).waitFor();
    await page.goto(`${baseUrl}/comptabilite/exports`);
    const download = page.waitForEvent('download');
    await page
      .getByRole('link', { name: /FEC de l’exercice/ })
      .first()
      .click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^\d{9}FEC\d{8}\.txt$/);
    expect(fs.readFileSync(await file.path(), 'utf8').split('\n')[0]).toBe(
      'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise',
    );
    await context.close();
  });
});

describe('support mission journey', () => {
  it('an operator orders a mission; the adviser records the consent, sets an appointment, records a session and completes it; the landlord downloads the report', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    const page = await context.newPage();
    const household = (await db.knex('households').where({ tenancy_reference: 'A-2020-00918' }).first('id')).id as string;
    await login(page, 'operateur@asso.demo');
    await page.goto(`${baseUrl}/menages/${household}`);
    await page.getByRole('link', { name: 'Nouvelle mission d’accompagnement' }).click();
    await page.getByLabel('Type d’accompagnement').selectOption({ label: 'Accompagnement budgétaire' });
    await page
      .getByLabel('Situation et attentes')
      .fill('Séparation récente, loyer trop lourd pour un seul salaire : accompagnement budgétaire proposé avec l’aide.');
    await page.getByLabel('Demande d’aide liée').selectOption({ index: 1 });
    await page.getByLabel('Conseiller·ère').selectOption({ label: 'Sophie Lefèvre' });
    await expectAccessible(page, 'nouvelle mission');
    await page.getByRole('button', { name: 'Créer la mission' }).click();
    await page.locator('.alert-success', { hasText: 'La mission est créée' }).waitFor();
    const reference = (await page.getByRole('heading', { level: 1 }).innerText()).split('— ')[1] as string;
    expect(reference).toMatch(/^M2026-\d{5}$/);
    await expectAccessible(page, 'mission proposée');
    await shot(page, 'accompagnement-1-mission-proposee');
    await page.goto(`${baseUrl}/accompagnement`);
    await expectAccessible(page, 'accompagnement tableau de bord');
    await context.clearCookies();

    await login(page, 'conseiller@asso.demo');
    await expect(page.locator('#mes-missions + ul').innerText()).resolves.toContain(reference);
    await page.getByRole('link', { name: reference }).click();
    await page.getByLabel('Recueilli par').selectOption('in_person');
    await page.getByLabel('Domaine 1').selectOption('budget');
    await page.getByLabel('Objectif 1').fill('Construire un budget tenable avec un seul salaire');
    await page.getByRole('button', { name: 'Enregistrer l’accord et les objectifs' }).click();
    await page.locator('.alert-success', { hasText: 'accord du ménage' }).waitFor();
    // the adviser reads the request the mission is linked to, and the household, never the instruction tools
    const missionPage = page.url();
    await page.locator('main a[href^="/demandes/"]').first().click();
    await expect(page.locator('#instruction').count()).resolves.toBe(0);
    await expectAccessible(page, 'demande lue par la conseillère');
    await page.getByRole('link', { name: 'Ménage', exact: true }).click();
    await page.getByRole('link', { name: 'Fiche du ménage' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toContain('Moreau');
    await expectAccessible(page, 'ménage lu par la conseillère');
    await page.goto(missionPage);

    const day = addDays(parisDate(new Date()), 3);
    await page.getByText('Fixer un rendez-vous').click();
    await page.getByLabel('Date', { exact: true }).last().fill(day);
    await page.getByLabel('Heure').fill('14:30');
    await page.getByLabel('Lieu ou coordonnées').fill('Permanence de l’association, 21 quai d’Austerlitz');
    await page.getByLabel('Son courriel').fill('julien.moreau@exemple.fr');
    await page.getByRole('button', { name: 'Fixer le rendez-vous' }).click();
    await page.locator('.alert-success', { hasText: 'Le rendez-vous est fixé' }).waitFor();
    await expect(page.locator('#rdv').locator('..').innerText()).resolves.toContain(`${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)} à 14:30`);
    const missionUrl = page.url();
    await page.goto(`${baseUrl}/accompagnement/calendrier?semaine=${day}`);
    await expect(page.locator('main').innerText()).resolves.toContain(reference);
    await expectAccessible(page, 'agenda');
    await shot(page, 'accompagnement-3-agenda');
    await page.goto(missionUrl);

    await page.getByLabel('Durée', { exact: true }).fill('1h15');
    await page.getByLabel('Type d’entretien').selectOption('office');
    await page.getByLabel('Participants').fill('Julien Moreau');
    await page.getByLabel('Résumé', { exact: true }).fill('Budget reconstitué poste par poste ; loyer à 38 % des ressources.');
    await page.getByLabel('Notes privées').fill('Inquiet pour la garde des enfants.');
    await page.getByRole('button', { name: 'Enregistrer l’entretien' }).click();
    await page.locator('.alert-success', { hasText: 'L’entretien est enregistré' }).waitFor();
    await expect(page.locator('#mission-status').innerText()).resolves.toBe('En cours');
    await expectAccessible(page, 'mission en cours');
    await shot(page, 'accompagnement-2-mission-en-cours');

    await page.getByText('Terminer la mission').click();
    await page.getByLabel('Atteint', { exact: true }).check();
    await page.getByLabel('Bilan', { exact: true }).fill('Budget construit et tenu le premier mois ; l’aide sur quittance couvre la transition.');
    await page.getByRole('button', { name: 'Terminer et établir le bilan' }).click();
    await page.locator('.alert-success', { hasText: 'La mission est terminée' }).waitFor();
    await expectAccessible(page, 'mission terminée');
    const report = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger le bilan (PDF)' }).click();
    expect(
      fs
        .readFileSync(await (await report).path())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // closing the mission called its upcoming appointment off
    await expect(page.locator('#rdv').locator('..').innerText()).resolves.toContain('Annulé');
    await context.clearCookies();

    await login(page, 'admin@bailleur-a.demo');
    await page.goto(`${baseUrl}/accompagnement`);
    await page.getByRole('link', { name: reference }).click();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Entretien au bureau, 75 min');
    expect(text).not.toContain('garde des enfants');
    expect(text).not.toContain('poste par poste');
    await expectAccessible(page, 'mission vue du bailleur');
    await shot(page, 'accompagnement-4-vue-bailleur');
    const landlordReport = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger le bilan (PDF)' }).click();
    expect((await landlordReport).suggestedFilename()).toBe(`bilan-${reference}.pdf`);
    await context.close();
  });
});

describe('second factor journey', () => {
  it('an association administrator enrols an authenticator at the first login (code mailed first, then QR code and key), a wrong code is refused next to the field, the right one shows the recovery codes once and opens the extranet', async () => {
    // a second process of the extranet on the same database, with the second factor required (as in production)
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: E2E_SECRET, DATA_DIR: '/tmp/entraide-e2e', ADMIN_SECOND_FACTOR: 'required' });
    const strictServices = createServices(db, config, systemClock, winston.createLogger({ silent: true }));
    const strict = createApp(strictServices).listen(0, '127.0.0.1');
    await new Promise((resolve) => strict.once('listening', resolve));
    const strictUrl = `http://127.0.0.1:${(strict.address() as AddressInfo).port}`;
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    try {
      await page.goto(`${strictUrl}/connexion`);
      await page.getByLabel('Adresse e-mail').fill('admin@asso.demo');
      await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      // the password alone enrols nothing: first the code mailed to the account's address
      await page.getByRole('heading', { name: 'Vérifier votre adresse e-mail' }).waitFor();
      await expectAccessible(page, 'code envoyé par courriel');
      await shot(page, 'second-facteur-0-code-courriel');
      const mail = await db
        .knex('mail_outbox')
        .where({ to_address: 'admin@asso.demo', kind: 'user.second_factor_code' })
        .orderBy('created_at', 'desc')
        .first('text_body');
      await page.getByLabel('Code reçu par courriel').fill(/\n(\d{6})\n/.exec(mail.text_body)?.[1] ?? '');
      await page.getByRole('button', { name: 'Continuer' }).click();
      await page.getByRole('heading', { name: 'Activer le second facteur' }).waitFor();
      await expect(page.locator('.qr-code svg').count()).resolves.toBe(1);
      await expectAccessible(page, 'activation du second facteur');
      await shot(page, 'second-facteur-1-activation');
      const key = (await page.locator('#totp-key').innerText()).replace(/\s/g, '');
      await page.getByLabel('Code à usage unique').fill('000000');
      await page.getByRole('button', { name: 'Activer et se connecter' }).click();
      await expect(page.locator('#code-error').innerText()).resolves.toContain('Ce code est incorrect');
      await expectAccessible(page, 'code refusé');
      await page.getByLabel('Code à usage unique').fill(authenticator.generate(key));
      await page.getByRole('button', { name: 'Activer et se connecter' }).click();
      await page.getByRole('heading', { name: 'Vos codes de secours' }).waitFor();
      await expect(page.locator('#recovery-codes li').count()).resolves.toBe(10);
      await expectAccessible(page, 'codes de secours');
      await shot(page, 'second-facteur-2-codes-de-secours');
      await page.getByRole('button', { name: 'J’ai noté mes codes' }).click();
      await page.waitForURL(`${strictUrl}/`);
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toContain('Bonjour');
    } finally {
      await context.close();
      await new Promise((resolve) => strict.close(resolve));
      strictServices.mailer.close();
    }
  });
});
