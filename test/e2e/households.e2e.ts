import { type Browser, type Page } from 'playwright-core';
import { type DemoBrowser, expectAccessible, startDemoBrowser, loginDemo } from '../support/demo-browser';

/** Households journeys of issue 13 in Chromium, checked with axe: the duplicate box, departures and merges asked first. */

let demo: DemoBrowser;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemoBrowser('/tmp/entraide-e2e-households');
  ({ baseUrl, browser } = demo);
});

afterAll(async () => {
  await demo?.close();
});

const login = (page: Page, email: string): Promise<void> => loginDemo(page, baseUrl, email);

describe('households journeys (issue 13)', () => {
  it('the live warning brings the box: ticked, the first submission saves a known person', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'instructeur@bailleur-b.demo');
    await page.goto(`${baseUrl}/menages/nouveau`);
    await page.getByLabel('Adresse', { exact: true }).fill('7 rue Nationale');
    await page.getByLabel('Code postal').fill('59000');
    await page.getByLabel('Ville').fill('Lille');
    await page.getByLabel('Référence du bail').fill('B-2026-E2E-13');
    await page.getByLabel('Loyer mensuel hors charges').fill('455,30');
    await page.getByLabel('Nom de famille').fill('Haddad');
    await page.getByLabel('Prénoms').fill('Karim');
    await page.getByLabel('Date de naissance').fill('1979-11-20');
    await page.getByLabel('Date de naissance').blur();
    await expect(page.locator('#confirmNotDuplicate-error').innerText()).resolves.toMatch(/cochez .* pour enregistrer quand même/);
    await page.getByLabel('Enregistrer quand même et prévenir l’association').check();
    await expectAccessible(page, 'nouveau ménage, doublon détecté, case visible');
    await page.getByLabel('Situation professionnelle').selectOption('job_seeker');
    await page.getByRole('button', { name: 'Créer le ménage' }).click();
    await page.waitForURL(/\/menages\/[0-9a-f-]{36}$/);
    await expect(page.locator('h1').innerText()).resolves.toBe('Karim Haddad');
    await expectAccessible(page, 'fiche ménage avec demandes');
    await page
      .getByRole('link', { name: /Enregistrer le départ/ })
      .first()
      .click();
    await expect(page.locator('h1').innerText()).resolves.toContain('Enregistrer le départ de Karim Haddad');
    await expectAccessible(page, 'confirmation du départ');
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.waitForURL(/\/menages\/[0-9a-f-]{36}$/);
    await context.close();
  });

  it('the operator merges the two fiches of a person living at two landlords, recording the departure in the same step', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await login(page, 'operateur@asso.demo');
    await page.goto(`${baseUrl}/doublons`);
    await page
      .locator('section.card')
      .filter({ hasText: 'Lefèvre' })
      .getByRole('link', { name: /Fusionner en gardant cette fiche/ })
      .first()
      .click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Fusionner deux fiches');
    await expect(page.locator('main').innerText()).resolves.toContain('Demandes en cours');
    await expectAccessible(page, 'confirmation de fusion de deux fiches');
    await page.getByRole('button', { name: 'Enregistrer le départ et fusionner' }).click();
    await expect(page.locator('#leaveFrom-error').innerText()).resolves.toContain('deux ménages différents');
    await expectAccessible(page, 'fusion refusée, choix du ménage demandé');
    await page.locator('input[name="leaveFrom"]').last().check();
    await page.getByRole('button', { name: 'Enregistrer le départ et fusionner' }).click();
    await page.waitForURL(`${baseUrl}/doublons`);
    await expect(page.locator('.alert-success').innerText()).resolves.toContain('fusionnées');
    await context.close();
  });
});
