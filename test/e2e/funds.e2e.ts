import type { Browser, Page } from 'playwright-core';
import { type DemoBrowser, expectAccessible, loginDemo, startDemoBrowser } from '../support/demo-browser';

/**
 * The budget envelopes in Chromium (issue 16), on the demo: an administrator creates a fund
 * through the form (a rejected post first), finds it on the list and on its page; the auditor
 * reads it. No WCAG 2.1 A/AA violation on the list, the form or the page, wide or narrow.
 */
let demo: DemoBrowser;
let baseUrl: string;
let browser: Browser;
const SHOTS = process.env.E2E_SCREENSHOTS ?? '/tmp/entraide-e2e-funds';

beforeAll(async () => {
  demo = await startDemoBrowser('/tmp/entraide-e2e-funds-data');
  ({ baseUrl, browser } = demo);
});

afterAll(async () => {
  await demo?.close();
});

async function pageAs(email: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width, height: 900 } });
  const page = await context.newPage();
  await loginDemo(page, baseUrl, email);
  return page;
}

const NAME = 'Fonds de solidarité navigateur';

describe('budget envelopes (issue 16)', () => {
  it('an administrator creates a fund through the form, then finds it on the list and on its page', async () => {
    const page = await pageAs('admin@asso.demo');
    await page.getByRole('link', { name: 'Fonds', exact: true }).first().click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Fonds');
    await expectAccessible(page, 'liste des fonds');
    await page.getByRole('link', { name: 'Nouveau fonds' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Nouveau fonds');
    await expectAccessible(page, 'formulaire de fonds');

    await page.getByLabel('Nom du fonds').fill(NAME);
    await page.getByLabel('Code analytique').fill('fsl-nav');
    await page.getByLabel('Début de la période').fill('2026-01-01');
    await page.getByLabel('Fin de la période').fill('2026-12-31');
    await page.getByLabel(/\(AQ\)/).check();
    await page.locator('select[name="landlord[0][organisationId]"]').selectOption({ label: 'Bailleur A' });
    // the dwellings forgotten: refused, said on the field, everything typed kept
    await page.locator('input[name="landlord[0][perDwelling]"]').fill('5');
    await page.locator('input[name="matching[0][funderName]"]').fill('Action Logement');
    await page.locator('input[name="matching[0][rate]"]').fill('50');
    await page.getByRole('button', { name: 'Créer le fonds' }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('Bailleur 1 : saisissez le nombre de logements');
    await expect(page.locator('input[name="matching[0][funderName]"]').inputValue()).resolves.toBe('Action Logement');
    await expectAccessible(page, 'formulaire de fonds refusé');
    await page.screenshot({ path: `${SHOTS}/form-rejected-1280.png`, fullPage: true });

    await page.locator('input[name="landlord[0][dwellings]"]').fill('1 000');
    await page.getByRole('button', { name: 'Créer le fonds' }).click();
    await page.waitForURL(/\/fonds\/[0-9a-f-]{36}$/);
    await expect(page.locator('h1').innerText()).resolves.toBe(NAME);
    await expect(page.locator('#formule').innerText()).resolves.toMatch(/5\s000,00\s€ \+ 2\s500,00\s€ = 7\s500,00\s€/);
    await expect(
      page.locator('img[src$="/graphique"]').evaluate((img: unknown) => {
        const i = img as { complete: boolean; naturalWidth: number };
        return i.complete && i.naturalWidth > 0;
      }),
    ).resolves.toBe(true);
    await expectAccessible(page, 'page du fonds');
    await page.screenshot({ path: `${SHOTS}/show-1280.png`, fullPage: true });

    await page.getByRole('link', { name: 'Fonds', exact: true }).first().click();
    await expect(page.locator('#fonds').innerText()).resolves.toContain(NAME);
    await page.screenshot({ path: `${SHOTS}/list-1280.png`, fullPage: true });
    await page.context().close();
  });

  it('the auditor reads the fund, on a phone too, with no link to a request', async () => {
    const page = await pageAs('auditeur@asso.demo', 390);
    await page.goto(`${baseUrl}/fonds`);
    await expectAccessible(page, 'liste des fonds (auditeur, 390 px)');
    await page.getByRole('link', { name: NAME }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe(NAME);
    await expect(page.locator('a[href^="/demandes/"]').count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Modifier le fonds' }).count()).resolves.toBe(0);
    // nothing wider than the screen but the tables' own scrolling boxes
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
    await expectAccessible(page, 'page du fonds (auditeur, 390 px)');
    await page.screenshot({ path: `${SHOTS}/show-390.png`, fullPage: true });
    // every fund of the demo: the movements name their requests as plain text for the auditor
    await page.goto(`${baseUrl}/fonds`);
    for (const href of await page.locator('#fonds tbody a').evaluateAll((links) => links.map((a) => a.getAttribute('href') as string))) {
      await page.goto(`${baseUrl}${href}`);
      await expect(page.locator('a[href^="/demandes/"]').count()).resolves.toBe(0);
      if ((await page.locator('#mouvements tbody a, #mouvements tbody .ref').count()) > 0) {
        await expectAccessible(page, `fonds avec des mouvements (auditeur, 390 px) ${href}`);
        await page.screenshot({ path: `${SHOTS}/show-movements-390.png`, fullPage: true });
      }
    }
    await page.context().close();

    const admin = await pageAs('admin@asso.demo', 390);
    await admin.goto(`${baseUrl}/fonds/nouveau`);
    await expect(admin.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
    await admin.screenshot({ path: `${SHOTS}/form-390.png`, fullPage: true });
    await admin.context().close();
  });
});
