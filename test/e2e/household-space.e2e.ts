import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { Browser, Page } from 'playwright-core';
import { demoHouseholdLink, DEMO_HOUSEHOLD_EMAIL } from '../../seeds/demo-household';
import { demoActors } from '../../seeds/demo-support';
import type { Actor } from '../../src/permissions/index';
import { type DemoBrowser, expectAccessible, loginDemo, startDemoBrowser } from '../support/demo-browser';

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

// ——— the household's own actions (issue 17): documents, consent, appointments, questionnaire ———

const TENANCY = 'A-2019-00417';

/** Éloïse, her household and its landlord, as the demo made them. */
async function eloise(): Promise<{ personId: string; householdId: string; organisationId: string }> {
  const row = await demo.db
    .knex('persons as p')
    .join('household_members as m', 'm.person_id', 'p.id')
    .join('households as h', 'h.id', 'm.household_id')
    .where({ 'p.email': DEMO_HOUSEHOLD_EMAIL, 'h.tenancy_reference': TENANCY })
    .whereNull('m.to_date')
    .first<{ personId: string; householdId: string; organisationId: string }>('p.id as personId', 'h.id as householdId', 'h.organisation_id as organisationId');
  expect(row).toBeTruthy();
  return row;
}

let actors: ((email: string) => Promise<Actor>) | undefined;
const actor = (email: string): Promise<Actor> => (actors ??= demoActors(demo.db.knex))(email);

/**
 * A new personal link mailed to Éloïse (as when the association sends it at her request): each
 * journey enters by the newest link, so that the codes asked by one journey do not count against
 * the next one's (3 codes a link in 15 minutes).
 */
async function freshLink(): Promise<void> {
  const { personId } = await eloise();
  const mail = await demo.services.householdSpace.links.issueFor(personId, 'staff');
  await demo.services.householdSpace.access.deliver([mail]);
}

/** A small real PDF (pdfkit), standing for a scanned paper. */
function smallPdf(title: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.fontSize(16).text(title).moveDown().fontSize(11).text('Document de test : aucune donnée réelle.');
  doc.end();
  return done;
}

/** A small real JPEG photo, drawn and encoded by the browser itself (a phone's camera would give one like it). */
async function smallJpeg(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate<string>(`(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#f5f0e6'; g.fillRect(0, 0, 64, 48);
    g.fillStyle = '#223355'; g.fillRect(6, 8, 52, 4); g.fillRect(6, 18, 40, 4); g.fillRect(6, 28, 46, 4);
    return c.toDataURL('image/jpeg', 0.85);
  })()`);
  const jpeg = Buffer.from(dataUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
  expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  return jpeg;
}

/** The file a click downloads, saved under SHOTS, with its bytes. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ file: string; data: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = path.join(SHOTS, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  return { file, data: fs.readFileSync(file) };
}

describe('the household acts from its phone (issue 17)', () => {
  beforeAll(() => {
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  it('sends a PDF and a photo the association asked for, from « Mes documents »; the landlord sees them received', async () => {
    const { householdId } = await eloise();
    // the operator, instructing Éloïse's energy aid request (in review), asks the household too
    const operator = await actor('operateur@asso.demo');
    const request = await demo.db
      .knex('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where({ 'r.household_id': householdId, 't.code': 'AE' })
      .first<{ id: string; status: string; version: number }>('r.id', 'r.status', 'r.version');
    expect(request.status).toBe('in_review');
    await demo.services.instruction.askInformation(operator, request.id, {
      message: 'Merci d’envoyer votre dernier avis d’imposition et la facture d’énergie de régularisation.',
      version: request.version,
      household: { kinds: ['tax_notice'], other: 'La facture d’énergie de régularisation' },
    });
    const ask = await demo.db.knex('household_document_requests').where({ request_id: request.id }).orderBy('asked_at', 'desc').first<{ id: string }>('id');
    expect(ask).toBeTruthy();

    const page = await phone();
    await enterHouseholdSpace(page);
    await page.getByRole('link', { name: /Mes documents/ }).click();
    await page.waitForURL(`${baseUrl}/mon-espace/documents`);
    await expect(page.locator('h1').innerText()).resolves.toBe('Mes documents');
    const section = page.locator(`#demande-${ask.id}`);
    await expect(section.innerText()).resolves.toContain('La facture d’énergie de régularisation');
    await checkPage(page, 'documents demandés');

    const pdf = await smallPdf('Avis d’imposition 2025');
    const jpeg = await smallJpeg(page);
    await section.getByLabel('Vos photos ou fichiers PDF').setInputFiles([
      { name: 'avis-imposition.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: 'facture-energie.jpg', mimeType: 'image/jpeg', buffer: jpeg },
    ]);
    await section.getByRole('button', { name: 'Envoyer' }).click();
    // several files: the page's script sends them one by one, says so, then shows the page again
    await expect(section.getByRole('status').filter({ hasText: 'Tout est envoyé.' }).innerText()).resolves.toBe('Tout est envoyé.');
    await page.waitForURL(`${baseUrl}/mon-espace/documents#demande-${ask.id}`);
    await page.waitForLoadState('load');

    const rows = await demo.db
      .knex('request_uploads')
      .where({ request_id: request.id, household_document_request_id: ask.id })
      .orderBy('filename')
      .select<Array<{ filename: string; uploaded_by: string | null; uploaded_by_person_id: string | null }>>(
        'filename',
        'uploaded_by',
        'uploaded_by_person_id',
      );
    const { personId } = await eloise();
    expect(rows).toEqual([
      { filename: 'avis-imposition.pdf', uploaded_by: null, uploaded_by_person_id: personId },
      { filename: 'facture-energie.jpg', uploaded_by: null, uploaded_by_person_id: personId },
    ]);

    // the landlord's instructor finds them on the request, marked as sent by the household
    const landlordContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const landlord = await landlordContext.newPage();
    await loginDemo(landlord, baseUrl, 'instructeur@bailleur-a.demo');
    await landlord.goto(`${baseUrl}/demandes/${request.id}?onglet=pieces`);
    const body = await landlord.locator('main').innerText();
    expect(body).toMatch(/« avis-imposition\.pdf »[^\n]*envoyé par le ménage/);
    expect(body).toMatch(/« facture-energie\.jpg »[^\n]*envoyé par le ménage/);

    // the household's page, once the sending is over, says both were received and lists them
    const main = page.getByRole('main');
    await expect(main.innerText()).resolves.toContain('Bien reçu : « avis-imposition.pdf »');
    await expect(main.innerText()).resolves.toContain('Bien reçu : « facture-energie.jpg »');
    const received = page.getByRole('list').filter({ has: page.getByRole('link', { name: 'avis-imposition.pdf' }) });
    await expect(received.innerText()).resolves.toMatch(/avis-imposition\.pdf\s+Envoyé par vous le .*, reçu/);
    await expect(received.innerText()).resolves.toMatch(/facture-energie\.jpg\s+Envoyé par vous le .*, reçu/);
    await checkPage(page, 'documents envoyés');
    await landlordContext.close();
    await page.context().close();
  });

  it('signs the consent online with the mailed code; the signed PDF passes pdfsig and the evidence carries its chain', async () => {
    const { householdId, personId } = await eloise();
    const instructor = await actor('instructeur@bailleur-a.demo');
    const aq = await demo.db.knex('aid_types').where({ code: 'AQ' }).first<{ id: string }>('id');
    const requestId = await demo.services.aidRequests.createDraft(instructor, householdId, aq.id);
    // « Le ménage signe en ligne », for Éloïse (her personal link is mailed)
    await demo.services.consentSignatures.requestOnline(instructor, requestId, personId);

    const page = await phone();
    await enterHouseholdSpace(page);
    await expect(page.getByRole('status').filter({ hasText: 'Votre accord est demandé' }).innerText()).resolves.toContain('Votre accord est demandé');
    await page.getByRole('link', { name: 'Lire et signer' }).click();
    await page.waitForURL(`${baseUrl}/mon-espace/demandes/${requestId}/consentement`);
    await expect(page.locator('h1').innerText()).resolves.toBe('Mon accord pour mes données');
    await checkPage(page, 'accord à signer');

    // without the tick: refused, said in the error summary
    await page.getByRole('button', { name: /m’envoyer un code/ }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('Cochez « J’ai lu et je suis d’accord »');
    await checkPage(page, 'accord sans la case');

    await page.getByLabel(/J’ai lu ce texte et je suis d’accord/).check();
    await page.getByRole('button', { name: /m’envoyer un code/ }).click();
    await expect(page.getByLabel('Code reçu par courriel').isVisible()).resolves.toBe(true);
    await checkPage(page, 'accord code envoyé');
    const mail = await demo.db
      .knex('mail_outbox')
      .where({ to_address: DEMO_HOUSEHOLD_EMAIL, kind: 'consent.signature_code' })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .first<{ text_body: string }>('text_body');
    const code = /\n(\d{6})\n/.exec(mail.text_body)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await page.getByLabel('Code reçu par courriel').fill(code as string);
    await page.getByRole('button', { name: 'Signer' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Accord signé' }).innerText()).resolves.toContain('Éloïse');
    await checkPage(page, 'accord signé');

    const signed = await downloaded(page, () => page.getByRole('link', { name: 'Télécharger le document signé (PDF)' }).click());
    let report: string;
    try {
      report = execFileSync('pdfsig', ['-nocert', signed.file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
    } catch (e) {
      report = String((e as { stdout?: Buffer }).stdout ?? '');
    }
    expect(report).toContain('Signature is Valid');
    expect(report).toContain('Total document signed');

    const proof = await downloaded(page, () => page.getByRole('link', { name: 'La preuve en format informatique (JSON)' }).click());
    const evidence = JSON.parse(proof.data.toString('utf8')) as {
      signer: { personId: string; requestId: string };
      events: Array<{ kind: string; seq: number; prevHash: string; hash: string }>;
      chain: { valid: boolean; length: number; lastHash: string };
    };
    expect(evidence.signer).toMatchObject({ personId, requestId });
    expect(evidence.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['requested', 'viewed', 'agreed', 'code_sent', 'signed']));
    for (let i = 1; i < evidence.events.length; i++) expect(evidence.events[i]!.prevHash).toBe(evidence.events[i - 1]!.hash);
    expect(evidence.chain).toMatchObject({ valid: true, length: evidence.events.length, lastHash: evidence.events.at(-1)!.hash });
    await page.context().close();
  });

  it('books an appointment from « Mes rendez-vous », sees it, then moves it to another hour', async () => {
    const { householdId } = await eloise();
    // the adviser Éloïse books with: her live mission's, else anyone who publishes openings (her mission is completed)
    const live = await demo.db
      .knex('missions')
      .where({ household_id: householdId })
      .whereIn('status', ['proposed', 'accepted', 'in_progress'])
      .whereNotNull('adviser_id')
      .first<{ adviser_id: string } | undefined>('adviser_id');
    const adviser = live?.adviser_id ?? (await actor('conseiller@asso.demo')).userId;
    const operator = await actor('operateur@asso.demo');
    // openings every day of the week (besides those the demo publishes), so that free hours exist more than 24 hours ahead whatever the day the test runs
    const published = new Set((await demo.services.availability.of(operator, adviser)).openings.map((o) => o.weekday));
    for (let weekday = 1; weekday <= 7; weekday++)
      if (!published.has(weekday))
        await demo.services.availability.addOpening(operator, adviser, {
          weekday,
          from: '09:00',
          to: '12:00',
          mode: 'in_person',
          place: 'Permanence, 21 quai d’Austerlitz',
        });

    await freshLink();
    const page = await phone();
    await enterHouseholdSpace(page);
    await page.getByRole('link', { name: /Mes rendez-vous/ }).click();
    await page.waitForURL(`${baseUrl}/mon-espace/rendez-vous`);
    await checkPage(page, 'rendez-vous du ménage');
    await page.getByRole('link', { name: 'Prendre un rendez-vous' }).click();
    await checkPage(page, 'prendre rendez-vous');
    const reason = page.getByLabel('Pourquoi voulez-vous un rendez-vous ?');
    // the first reason offered (the list starts with « Choisir… », of no value)
    await reason.selectOption((await reason.locator('option:not([value=""])').first().getAttribute('value')) as string);
    await page.getByRole('button', { name: 'Voir les heures libres' }).click();
    await page.waitForLoadState('load');
    await checkPage(page, 'heures libres');

    // the first day offered; its first free hour
    const first = page
      .getByRole('group', { name: /Choisissez une heure/ })
      .getByRole('radio')
      .first();
    const firstSlot = (await first.getAttribute('value')) as string;
    await page.locator(`label[for="${await first.getAttribute('id')}"]`).click();
    await page.getByRole('button', { name: 'Réserver' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Mon rendez-vous');
    await expect(page.getByRole('main').innerText()).resolves.toContain('C’est réservé');
    await checkPage(page, 'rendez-vous réservé');
    const bookingId = /\/mon-espace\/rendez-vous\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    expect(bookingId).toBeTruthy();
    const booked = await demo.db.knex('appointments').where({ id: bookingId }).first();
    expect(booked).toMatchObject({ household_id: householdId, adviser_id: adviser, booked_by: 'household', status: 'scheduled' });
    expect(new Date(booked.starts_at).toISOString()).toBe(firstSlot.split('/')[1]);

    await page.getByRole('link', { name: '← Mes rendez-vous' }).click();
    const upcoming = page.getByRole('link', { name: /Voir, déplacer ou annuler/ });
    await expect(upcoming.count()).resolves.toBe(1);
    await checkPage(page, 'rendez-vous à venir');
    await upcoming.click();
    await page.getByRole('link', { name: 'Déplacer' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Déplacer mon rendez-vous');
    await checkPage(page, 'déplacer le rendez-vous');
    // another free hour (the same day or the next one offered)
    const radios = page.getByRole('group', { name: /Choisissez une heure/ }).getByRole('radio');
    const values = await radios.evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
    const index = values.findIndex((v) => v !== firstSlot);
    expect(index).toBeGreaterThanOrEqual(0);
    const target = values[index] as string;
    await page.locator(`label[for="${await radios.nth(index).getAttribute('id')}"]`).click();
    await page.getByRole('button', { name: 'Déplacer à cette heure' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Mon rendez-vous');
    await expect(page.getByRole('main').innerText()).resolves.toContain('Le rendez-vous est déplacé');
    await checkPage(page, 'rendez-vous déplacé');

    const moved = await demo.db.knex('appointments').where({ id: bookingId }).first();
    expect(moved).toMatchObject({ household_id: householdId, adviser_id: adviser, booked_by: 'household', status: 'scheduled' });
    expect(new Date(moved.starts_at).toISOString()).toBe(target.split('/')[1]);
    expect(
      await demo.db.knex('appointments').where({ household_id: householdId, booked_by: 'household' }).whereIn('status', ['scheduled', 'confirmed']),
    ).toHaveLength(1);
    await page.context().close();
  });

  it('answers a satisfaction questionnaire from its mailed link: a missing answer is said, then thanks, then « already answered »', async () => {
    await demo.services.satisfaction.sendInvitations(new Date());
    // a questionnaire still open (the demo answered most of them): Éloïse's if she has one, else another person's
    const { personId } = await eloise();
    const open = demo.db
      .knex('satisfaction_invitations as i')
      .join('mail_outbox as m', 'm.id', 'i.mail_id')
      .whereNull('i.answered_at')
      .where('i.expires_at', '>', new Date())
      .orderByRaw('(i.person_id = ?) desc', [personId])
      .orderBy('i.sent_at', 'desc');
    const mail = await open.first<{ text_body: string } | undefined>('m.text_body');
    const link = /(https?:\/\/\S+\/mon-espace\/questionnaires\/[\w-]+)/.exec(mail?.text_body ?? '')?.[1];
    expect(link).toBeTruthy();
    const url = `${baseUrl}${new URL(link as string).pathname}`;

    const page = await phone();
    await page.goto(url);
    await checkPage(page, 'questionnaire');
    const questions = page.locator('form fieldset');
    const n = await questions.count();
    expect(n).toBeGreaterThan(1);
    // every answer but the last one, and a comment
    for (let i = 0; i < n - 1; i++) await questions.nth(i).locator('label').nth(3).click();
    await page.getByRole('textbox').fill('Accueil très clair, merci.');
    await page.getByRole('button', { name: 'Envoyer mes réponses' }).click();
    await expect(page.locator('.error-summary').innerText()).resolves.toContain('Choisissez une réponse à la question');
    for (let i = 0; i < n - 1; i++) await expect(questions.nth(i).getByRole('radio').nth(3).isChecked()).resolves.toBe(true);
    await expect(page.getByRole('textbox').inputValue()).resolves.toBe('Accueil très clair, merci.');
    await checkPage(page, 'questionnaire incomplet');

    await questions
      .nth(n - 1)
      .locator('label')
      .nth(4)
      .click();
    await page.getByRole('button', { name: 'Envoyer mes réponses' }).click();
    await expect(page.locator('#survey-thanks').innerText()).resolves.toContain('Merci pour vos réponses');
    await checkPage(page, 'questionnaire merci');

    await page.goto(url);
    await expect(page.locator('#survey-already').innerText()).resolves.toContain('vous avez déjà répondu');
    await checkPage(page, 'questionnaire déjà rempli');
    await page.context().close();
  });
});
