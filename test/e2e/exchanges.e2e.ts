import type { Browser, Page } from 'playwright-core';
import { type DemoBrowser, expectAccessible, loginDemo, startDemoBrowser } from '../support/demo-browser';

/**
 * The exchanges with Action Logement in Chromium (issue 15), on the demo: the first run of
 * `funder-orientations` fills the queue; an operator turns an orientation into a prefilled
 * request for the landlord; an administrator sends again the record the funder rejected.
 */
let demo: DemoBrowser;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemoBrowser('/tmp/entraide-e2e-exchanges');
  ({ baseUrl, browser } = demo);
  // what the scheduler does every quarter of an hour after `npm start`
  await demo.services.runJob('funder-orientations', { userId: null, label: 'Planificateur' });
});

afterAll(async () => {
  await demo?.close();
});

async function pageAs(email: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  await loginDemo(page, baseUrl, email);
  return page;
}

describe('exchanges with Action Logement (issue 15)', () => {
  it('an operator turns an ASD orientation into a request prefilled for the landlord, who finds it among its drafts', async () => {
    const page = await pageAs('operateur@asso.demo');
    await page.getByRole('link', { name: 'Orientations ASD' }).first().click();
    await expect(page.locator('h1').innerText()).resolves.toContain('Orientations ASD');
    await page.getByRole('link', { name: /Haddad Karim/ }).click();
    await expect(page.locator('h1').innerText()).resolves.toContain('Haddad Karim');
    // prefilled: his household at Bailleur A, the aid the needs suggest
    await expect(page.getByLabel(/Karim Haddad, né\(e\) le 20\/11\/1979/).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Une demande d’aide financière').isChecked()).resolves.toBe(true);
    await expect(page.locator('#aidTypeId option:checked').innerText()).resolves.toBe('Aide sur quittance');
    await expectAccessible(page, 'orientation à traiter');
    await page.getByRole('button', { name: 'Donner suite' }).click();
    await expect(page.locator('.alert-success').first().innerText()).resolves.toContain('La demande est préparée à partir de l’orientation');
    await expect(page.locator('main').innerText()).resolves.toContain('demande d’aide préparée pour Bailleur A');
    await page.context().close();

    const landlord = await pageAs('instructeur@bailleur-a.demo');
    await landlord.goto(`${baseUrl}/orientations?statut=transformee`);
    await landlord.getByRole('link', { name: /Haddad Karim/ }).click();
    await landlord.getByRole('link', { name: 'demande d’aide' }).click();
    await landlord.waitForURL(/\/demandes\/[0-9a-f-]{36}$/);
    const header = await landlord.locator('main').innerText();
    expect(header).toContain('Aide sur quittance');
    expect(header).toContain('Haddad');
    expect(header).toMatch(/orientation ASD-\d{4}-004310/);
    await expectAccessible(landlord, 'demande née d’une orientation');
    await landlord.context().close();
  });

  it('an administrator sends again, after confirming, the record the funder rejected', async () => {
    const page = await pageAs('admin@asso.demo');
    await page.getByRole('link', { name: 'Échanges' }).first().click();
    const rejected = page.locator('section', { has: page.locator('#rejets-titre') });
    await expect(rejected.innerText()).resolves.toContain('ETAT');
    await expectAccessible(page, 'échanges avec un enregistrement rejeté');
    // without the confirmation: refused, said, nothing changed
    await rejected
      .getByRole('button', { name: /Renvoyer/ })
      .first()
      .click();
    await expect(page.locator('.invalid-feedback').first().innerText()).resolves.toContain('Cochez');
    await page
      .locator('section', { has: page.locator('#rejets-titre') })
      .getByLabel('Je confirme : le dossier est corrigé')
      .first()
      .check();
    await page
      .locator('section', { has: page.locator('#rejets-titre') })
      .getByRole('button', { name: /Renvoyer/ })
      .first()
      .click();
    await expect(page.locator('.alert-success').first().innerText()).resolves.toMatch(/renvoy|repartira/i);
    const waiting = await demo.db.knex('funder_records').where({ flow: 'SUIVI', status: 'a_envoyer' });
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    await page.context().close();
  });
});
