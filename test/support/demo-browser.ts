import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type Page, chromium } from 'playwright-core';
import winston from 'winston';
import { DEMO_PASSWORD } from '../../seeds/demo';
import { loadDemo } from '../../seeds/load-demo';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { createServices, type Services } from '../../src/services';
import { systemClock } from '../../src/shared/clock';
import { createTestDatabase } from './database';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const E2E_SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123456789';

export interface DemoBrowser {
  db: Database;
  services: Services;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The demo loaded on a fresh database, the extranet on a free port, and a headless Chromium: what every browser journey starts from. */
export async function startDemoBrowser(dataDir: string): Promise<DemoBrowser> {
  const db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: E2E_SECRET, DATA_DIR: dataDir });
  const logger = winston.createLogger({ silent: true });
  await loadDemo(db, config, logger);
  const services = createServices(db, config, systemClock, logger);
  const server: Server = createApp(services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    db,
    services,
    baseUrl,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      services.mailer.close();
      await db.close();
    },
  };
}

/** The WCAG 2.1 A/AA violations axe finds on the page as it is now, one line each. */
export async function axeViolations(page: Page, label: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.map((v) => `${label}: axe ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** 0 violations of WCAG 2.1 A/AA on the page as it is now. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  expect(await axeViolations(page, label)).toEqual([]);
}

/** Logs a demo account in through the login form and waits for its home page. */
export async function loginDemo(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/connexion`);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}
