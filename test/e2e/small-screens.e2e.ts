import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type DemoBrowser, axeViolations, startDemoBrowser, loginDemo } from '../support/demo-browser';

/**
 * Every page each demo role reaches from its navigation and its home page (and one click further:
 * forms and sub-pages), plus one detail page of each kind (a request, a household, a mission, a batch,
 * a mail) with its tabs and steps, opened on a 390 × 844 phone screen: nothing wider than the screen,
 * 0 axe violations (WCAG 2.1 A/AA), French typography on the page.
 */
const SCREENSHOTS = path.resolve(__dirname, 'screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 720 };
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** One detail page of each kind, found among the links of the pages visited. */
const DETAIL_PAGES: Array<[string, RegExp]> = [
  ['request', new RegExp(`^/demandes/${UUID}$`)],
  ['household', new RegExp(`^/menages/${UUID}$`)],
  ['mission', new RegExp(`^/accompagnement/${UUID}$`)],
  ['batch', new RegExp(`^/paiements/lots/${UUID}$`)],
  ['mail', new RegExp(`^/admin/courriels/${UUID}$`)],
];
/** French typography that must not appear on any page. */
const TYPOGRAPHY: Array<[string, RegExp]> = [
  ['"1" instead of "1er" in a long date', /(^|[^\d])1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)/],
  ['a time, a full stop, then a quotation', /\d{2}:\d{2}\.\s*«/],
  ['"0 aide" instead of "Aucune aide"', /(^|[^\d\s,.\u00a0\u202f])\s*\b0 aides?\b/],
];

const ROLES = [
  'admin@asso.demo',
  'operateur@asso.demo',
  'conseiller@asso.demo',
  'comptable@asso.demo',
  'auditeur@asso.demo',
  'admin@bailleur-a.demo',
  'instructeur@bailleur-a.demo',
  'admin@bailleur-b.demo',
  'instructeur@bailleur-b.demo',
];

let demo: DemoBrowser;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  demo = await startDemoBrowser('/tmp/entraide-e2e-small');
  ({ baseUrl, browser } = demo);
});

afterAll(async () => {
  await demo?.close();
});

async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  return browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport });
}

const login = (page: Page, email: string): Promise<void> => loginDemo(page, baseUrl, email);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The page's own links (path and query), in document order, without duplicates. */
async function linksOf(page: Page, selector: string): Promise<string[]> {
  const hrefs = await page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('href') ?? ''));
  return [...new Set(hrefs.filter((h) => h.startsWith('/') && !h.startsWith('//')).map((h) => h.split('#')[0] as string))];
}

/** The page's width as the browser lays it out (wider than the screen: the page scrolls sideways). */
async function widthOf(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth');
}

/** The elements that stick out of a screen `w` pixels wide, outside any box that scrolls (in the browser: the project has no DOM types). */
const CULPRITS = `(w) => {
  const clipped = (el) => { for (let a = el.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  const out = [];
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && r.width > 0 && !clipped(el)) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' (' + Math.round(r.right) + ' px)');
    }
  }
  return out.slice(-4);
}`;

/** The references (2026-00008, M2026-00006, E2026-00001-02, B-2021-03118) of the page that the browser broke over two lines. */
const BROKEN_REFERENCES = `(() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.checkVisibility && !node.parentElement.checkVisibility()) continue;
    for (const m of node.data.matchAll(/(?<![\\w-])[A-Z]{0,3}-?\\d{4}-\\d{5}(?:-\\d{2})?(?![\\w-])/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
})()`;

interface Findings {
  /** overflow and axe violations, at 390 px */
  layout: string[];
  /** French typography of the text read */
  typography: string[];
}

/** What is wrong with the page as it is now at this width: overflow and axe violations; then its typography. */
async function inspect(page: Page, label: string, width: number, findings: Findings): Promise<void> {
  const scrollWidth = await widthOf(page);
  if (scrollWidth > width) {
    const culprits = await page.evaluate<string[]>(`(${CULPRITS})(${width})`);
    findings.layout.push(`${label}: ${scrollWidth} px wide at ${width} px — ${culprits.join(', ')}`);
  }
  findings.layout.push(...(await axeViolations(page, label)));
  const broken = await page.evaluate<string[]>(BROKEN_REFERENCES);
  if (broken.length) findings.typography.push(`${label}: references broken over two lines — ${broken.join(', ')}`);
  const text = await page.locator('body').innerText();
  for (const [rule, pattern] of TYPOGRAPHY) {
    const m = pattern.exec(text);
    if (m) findings.typography.push(`${label}: ${rule} — “${text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\s+/g, ' ')}”`);
  }
}

/** Opens a page when it is an HTML page; downloads are skipped, a link answering 403 or 404 is reported. */
async function open(context: BrowserContext, page: Page, href: string): Promise<'page' | 'download' | 'refused'> {
  const head = await context.request.get(`${baseUrl}${href}`, { maxRedirects: 0 });
  if (head.status() === 403 || head.status() === 404) return 'refused';
  if (head.status() !== 200 || !(head.headers()['content-type'] ?? '').startsWith('text/html')) return 'download';
  await page.goto(`${baseUrl}${href}`);
  return 'page';
}

describe('small screens (390 × 844)', () => {
  /** Each role's walk through its pages, done once; the tests below read what it found. */
  const walks = new Map<string, Findings>();

  beforeAll(async () => {
    for (const email of ROLES) walks.set(email, await walk(email));
  }, 900_000);

  it('the login page fits the screen', async () => {
    const context = await newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/connexion`);
    const findings: Findings = { layout: [], typography: [] };
    await inspect(page, '/connexion', PHONE.width, findings);
    expect(findings).toEqual({ layout: [], typography: [] });
    await context.close();
  });

  it.each(ROLES)(
    '%s: every page it reaches (navigation, home page, one click further, a detail page of each kind with its tabs) fits 390 px with 0 axe violations',
    (email) => {
      expect(walks.get(email)?.layout).toEqual([]);
    },
  );

  it('no page says "mardi 1 décembre", "0 aide" or "09:55. « …", nor breaks a reference over two lines', () => {
    expect([...walks.values()].flatMap((w) => w.typography)).toEqual([]);
  });
});

/** Logs in at 390 px and opens every page of the role's navigation and home page, one click further, then one detail page of each kind with its tabs. */
async function walk(email: string): Promise<Findings> {
  const findings: Findings = { layout: [], typography: [] };
  const context = await newContext(PHONE);
  const page = await context.newPage();
  await login(page, email);
  const slug = email.replace(/[@.]/g, '-');
  await inspect(page, `${email} /`, PHONE.width, findings);
  await shot(page, `390-${slug}-accueil`);
  const pages = [...new Set([...(await linksOf(page, 'nav[aria-label="Navigation principale"] a')), ...(await linksOf(page, 'main a')), '/mon-compte'])].filter(
    (h) => h !== '/',
  );
  const found = new Map<string, string>();
  const visited: string[] = [];
  const refused: string[] = [];
  /** pages one click further: lists' forms and sub-pages (no record id, no query), then each detail page's tabs and steps */
  const further = new Set<string>();
  const visit = async (href: string) => {
    if (visited.includes(href)) return;
    const status = await open(context, page, href);
    if (status === 'refused') refused.push(href);
    if (status !== 'page') return;
    visited.push(href);
    await inspect(page, `${email} ${href}`, PHONE.width, findings);
    for (const link of await linksOf(page, 'main a')) {
      for (const [kind, pattern] of DETAIL_PAGES) if (!found.has(kind) && pattern.test(link)) found.set(kind, link);
      if (!/[0-9a-f]{8}-|\?/.test(link)) further.add(link);
    }
  };
  for (const href of pages) await visit(href);
  for (const href of [...further]) await visit(href);
  for (const [kind, href] of found) {
    await visit(href);
    if (!visited.includes(href)) continue;
    await shot(page, `390-${slug}-${kind}`);
    for (const sub of await linksOf(page, 'main a')) if (sub.startsWith(href) && sub !== href) await visit(sub);
  }
  process.stdout.write(
    `${email}: ${visited.length + 1} pages at 390 px (detail pages: ${[...found.keys()].join(', ') || 'none'})${refused.length ? `; links answering 403/404: ${refused.join(', ')}` : ''}\n`,
  );
  await context.close();
  return findings;
}

describe('the navigation', () => {
  it('is a menu that opens without JavaScript on a phone, and stays a visible bar on a desktop', async () => {
    const phone = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: PHONE, javaScriptEnabled: false });
    const page = await phone.newPage();
    await login(page, 'admin@asso.demo');
    const menu = page.locator('nav[aria-label="Navigation principale"] summary');
    await expect(menu.isVisible()).resolves.toBe(true);
    const accounting = page.locator('nav[aria-label="Navigation principale"]').getByRole('link', { name: 'Comptabilité', exact: true });
    await expect(accounting.isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: 'Se déconnecter' }).isVisible()).resolves.toBe(false);
    await shot(page, '390-menu-ferme');
    await menu.click();
    await expect(accounting.isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Se déconnecter' }).isVisible()).resolves.toBe(true);
    expect(await widthOf(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, '390-menu-ouvert');
    await accounting.click();
    await page.waitForURL(`${baseUrl}/comptabilite`);
    await phone.close();

    for (const javaScriptEnabled of [true, false]) {
      const desktop = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: DESKTOP, javaScriptEnabled });
      const wide = await desktop.newPage();
      await login(wide, 'admin@asso.demo');
      await expect(wide.locator('nav[aria-label="Navigation principale"] summary').isVisible()).resolves.toBe(false);
      await expect(wide.locator('nav[aria-label="Navigation principale"]').getByRole('link', { name: 'Comptabilité', exact: true }).isVisible()).resolves.toBe(
        true,
      );
      await expect(wide.getByRole('button', { name: 'Se déconnecter' }).isVisible()).resolves.toBe(true);
      if (javaScriptEnabled) await shot(wide, '1280-admin-accueil');
      await desktop.close();
    }
  });
});

describe('the calendar', () => {
  it('shows one day at a time on a phone, with a link to each day of the week, and the whole week on a desktop', async () => {
    const phone = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: PHONE, javaScriptEnabled: false });
    const page = await phone.newPage();
    await login(page, 'conseiller@asso.demo');
    await page.goto(`${baseUrl}/accompagnement/calendrier`);
    const days = page.locator('.calendar-day');
    await expect(days.count()).resolves.toBe(7);
    const visible = async () =>
      (await days.evaluateAll((els) => els.map((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null))).filter(Boolean).length;
    await expect(visible()).resolves.toBe(1);
    expect(await widthOf(page)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, '390-agenda');
    const picker = page.locator('nav[aria-label="Jours de la semaine"] a');
    await expect(picker.count()).resolves.toBe(7);
    const friday = picker.nth(4);
    await friday.click();
    const fridayId = ((await friday.getAttribute('href')) as string).slice(1);
    await expect(page.locator(`#${fridayId}`).isVisible()).resolves.toBe(true);
    await expect(visible()).resolves.toBe(1);
    await shot(page, '390-agenda-vendredi');
    await phone.close();

    const desktop = await newContext(DESKTOP);
    const wide = await desktop.newPage();
    await login(wide, 'conseiller@asso.demo');
    await wide.goto(`${baseUrl}/accompagnement/calendrier`);
    const all = await wide
      .locator('.calendar-day')
      .evaluateAll((els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).length);
    expect(all).toBe(7);
    await expect(wide.locator('nav[aria-label="Jours de la semaine"]').isVisible()).resolves.toBe(false);
    await shot(wide, '1280-agenda');
    await desktop.close();
  });
});
