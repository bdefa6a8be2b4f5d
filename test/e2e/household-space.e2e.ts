import type { Browser, Page } from 'playwright-core';
import { demoHouseholdLink, DEMO_HOUSEHOLD_EMAIL } from '../../seeds/demo-household';
import { type DemoBrowser, expectAccessible, startDemoBrowser } from '../support/demo-browser';

/**
 * The household's own space in Chromium (issue 17), on the demo, on a phone-sized screen (390 px):
 * the person opens the link they received, asks for the code, reads it in their mailbox (the
 * outbox here), types it, follows their requests and mission, and asks for their rights. No WCAG
 * 2.1 A/AA violation, no horizontal scroll, on every page.
 */
let demo: DemoBrowser;
let baseUrl: string;
let browser: Browser;
const SHOTS = process.env.E2E_SCREENSHOTS ?? '/tmp/entraide-e2e-household';

beforeAll(async () => {
  demo = await startDemoBrowser('/tmp/entraide-e2e-household-data');
  ({ baseUrl, browser } = demo);
});

afterAll(async () => {
  await demo?.close();
});

async function phone(): Promise<Page> {
  const context = await browser.newContext({
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
  });
  return context.newPage();
}

/** The page fits the screen's width (no horizontal scroll) and has no axe violation. */
async function checkPage(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect({ label, overflow: overflow <= 0 }).toEqual({ label, overflow: true });
  await expectAccessible(page, label);
  await page.screenshot({ path: `${SHOTS}/${label.replace(/\W+/g, '-')}.png`, fullPage: true });
}

async function mailedCode(): Promise<string> {
  const mail = await demo.db
    .knex('mail_outbox')
    .where({ to_address: DEMO_HOUSEHOLD_EMAIL, kind: 'household.access_code' })
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .first<{ text_body: string }>('text_body');
  return /\n(\d{6})\n/.exec(mail.text_body)?.[1] as string;
}

/** The person's door: the link from their mail, a code asked, read, typed (a wrong one first). */
export async function enterHouseholdSpace(page: Page): Promise<void> {
  const link = await demoHouseholdLink(demo.db.knex);
  expect(link).toBeTruthy();
  await page.goto(`${baseUrl}${new URL(link as string).pathname}`);
  await expect(page.locator('h1').innerText()).resolves.toBe('Bonjour Éloïse');
  await checkPage(page, 'lien personnel');
  await page.getByRole('button', { name: 'M’envoyer un code' }).click();
  await page.getByLabel('Code reçu par courriel').fill('000000');
  await page.getByRole('button', { name: 'Entrer' }).click();
  await expect(page.locator('.error-summary').innerText()).resolves.toContain('Ce code n’est pas le bon');
  await checkPage(page, 'code refusé');
  await page.getByLabel('Code reçu par courriel').fill(await mailedCode());
  await page.getByRole('button', { name: 'Entrer' }).click();
  await page.waitForURL(`${baseUrl}/mon-espace`);
}

describe('the household space on a phone (issue 17)', () => {
  it('opens with the link and the code, shows the requests and the mission in plain words, takes a GDPR request', async () => {
    const page = await phone();
    await enterHouseholdSpace(page);
    await expect(page.locator('h1').innerText()).resolves.toContain('Bonjour Éloïse');
    await checkPage(page, 'accueil du ménage');

    await page
      .getByRole('link', { name: /Aide sur quittance/ })
      .first()
      .click();
    await expect(page.locator('.next-step h2').innerText()).resolves.toBe('Et maintenant ?');
    await checkPage(page, 'demande du ménage');
    await page.goBack();

    await page.getByRole('link', { name: 'Mes droits sur mes informations' }).first().click();
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('Choisissez ce que vous voulez faire');
    await checkPage(page, 'droits refusé');
    await page.getByLabel(/Faire corriger une information fausse/).check();
    await page.getByLabel(/Précisions/).fill('Mon numéro de téléphone a changé.');
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await expect(page.locator('[role="status"]').first().innerText()).resolves.toContain('Votre demande est enregistrée');

    await page.getByRole('button', { name: 'Sortir' }).click();
    await page.waitForURL(`${baseUrl}/mon-espace/acces`);
    await checkPage(page, 'accès au ménage');
  });
});
