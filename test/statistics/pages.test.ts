import ExcelJS from 'exceljs';
import { parisDateTime } from '../../src/shared/dates';
import { insertHousehold } from '../factories/household';
import { paymentSetup } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, type Agent, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The statistics pages over HTTP (issue 16): the page with its tables and charts for each reach,
 * the SVG charts, the downloads with their secrecy, the pseudonymised extract's form.
 */
const t = useWorld();
let admin: Agent;
let adminA: Agent;
let adviser: Agent;
let auditor: Agent;

beforeAll(async () => {
  const { aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  // landlord A: 6 requests in November (shown); landlord B: 2 (secret)
  for (const [landlord, n] of [
    [t.world.landlordA, 6],
    [t.world.landlordB, 2],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const household = await insertHousehold(t.ctx.knex, landlord.id, { postcode: '69003' });
      const id = await insertRequest(t.ctx.knex, {
        organisationId: landlord.id,
        householdId: household.id,
        aidTypeId: aqId,
        createdBy: landlord.id === t.world.landlordA.id ? t.world.users.instructorA.id : t.world.users.instructorB.id,
        status: 'submitted',
      });
      await t.ctx
        .knex('aid_requests')
        .where({ id })
        .update({ submitted_at: parisDateTime(`2026-11-1${i}`, '10:00') });
    }
  }
  await t.ctx.services.statisticsRefresher.refresh('all');
  admin = await loginAs(t.ctx.app, t.world.users.admin.email);
  adminA = await loginAs(t.ctx.app, t.world.users.adminA.email);
  adviser = await loginAs(t.ctx.app, t.world.users.social_adviser.email);
  auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
});
afterAll(() => t.ctx.clock.set(TEST_NOW));

const NOV = '?du=2026-11&au=2026-11&comparer=non';
const receivedOf = (html: string, table: string, label: string) =>
  $(html)(`#${table} tbody tr`)
    .filter((_, tr) => $(html)(tr).find('th').text().trim() === label)
    .find('td')
    .first()
    .text()
    .trim();

describe('the statistics page', () => {
  it('shows the association every landlord, a small one as « < 5 », the charts as images with their text, the update time', async () => {
    const res = await admin.get(`/statistiques${NOV}`);
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('h1').text()).toBe('Statistiques');
    expect(receivedOf(res.text, 'par-bailleur', t.world.landlordA.name)).toMatch(/^6/);
    expect(receivedOf(res.text, 'par-bailleur', t.world.landlordB.name)).toBe('< 5');
    expect(page('[data-indicateur="received"] td').first().text().trim()).toBe('8');
    const images = page('img[src^="/statistiques/graphiques/"]');
    expect(images.length).toBe(5);
    images.each((_, img) => expect(page(img).attr('alt')).toMatch(/graphique/));
    expect(res.text).toMatch(/Chiffres à jour au \d{2}\/\d{2}\/\d{4}/);
    // a drill-down to the requests received, for a person who may read them
    expect(page('#par-bailleur a[href^="/demandes?"]').attr('href')).toContain(`bailleur=${t.world.landlordA.id}`);
  });

  it('shows a landlord administrator its own organisation and the average, never another landlord’s name or figure', async () => {
    const res = await adminA.get(`/statistiques${NOV}&bailleur=${t.world.landlordB.id}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(t.world.landlordB.name);
    expect($(res.text)('#par-bailleur').length).toBe(0);
    expect($(res.text)('[data-indicateur="received"] td').first().text().trim()).toBe('6');
    expect($(res.text)('#chiffres-demandes thead').text()).toContain('Moyenne par bailleur adhérent');
  });

  it('shows an adviser the missions section only', async () => {
    const res = await adviser.get('/statistiques');
    expect(res.status).toBe(200);
    expect($(res.text)('#demandes-titre').length).toBe(0);
    expect($(res.text)('img[src^="/statistiques/graphiques/accompagnements.svg"]').length).toBe(1);
  });

  it('ignores what does not parse in the query string (a bookmarked URL keeps working)', async () => {
    const res = await auditor.get('/statistiques?du=2026-13&au=x&comparer=zzz&type=abc&dep=<script>');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<script>');
  });
});

describe('the charts and downloads', () => {
  it('draws a chart as SVG, the same bytes twice, and answers 404 for an unknown chart', async () => {
    const first = await download(auditor, `/statistiques/graphiques/demandes.svg${NOV}`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(first.body.toString('utf8')).toMatch(/<svg[^>]*role="img"/);
    const again = await download(auditor, `/statistiques/graphiques/demandes.svg${NOV}`);
    expect(again.body.equals(first.body)).toBe(true);
    expect((await auditor.get('/statistiques/graphiques/inconnu.svg')).status).toBe(404);
  });

  it('downloads the tables as CSV and XLSX with « < 5 » for the secret figures', async () => {
    const csv = await download(admin, `/statistiques/chiffres/csv${NOV}`);
    expect(csv.status).toBe(200);
    const text = csv.body.toString('utf8');
    expect(text).toContain('Demandes par bailleur');
    const bLine = text.split('\n').find((l) => l.includes(t.world.landlordB.name));
    expect(bLine).toContain('< 5');
    const xlsx = await download(admin, `/statistiques/chiffres/xlsx${NOV}`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('Statistiques');
    expect(sheet?.getRow(1).getCell(1).value).toBe('Tableau');
    expect((await download(admin, '/statistiques/chiffres/pdf')).status).toBe(404);
  });
});

describe('the pseudonymised extract’s form', () => {
  it('re-renders a wrong period in French with what was typed, and downloads a valid one', async () => {
    const bad = await postForm(auditor, '/statistiques/extraction', { from: '2026-13', to: '2026-11', key: 'zz' });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.text, 'from')).toMatch(/AAAA-MM/);
    expect(fieldError(bad.text, 'key')).toMatch(/hexadécimaux/);
    expect($(bad.text)('#to').attr('value')).toBe('2026-11');
    const good = await postForm(auditor, '/statistiques/extraction', { from: '2026-11', to: '2026-11', key: '' });
    expect(good.status).toBe(200);
    expect(good.headers['content-type']).toMatch(/spreadsheetml/);
    const audited = await t.ctx.knex('audit_events').where({ entity_type: 'statistics_extract' }).select('after');
    expect(audited).toHaveLength(1);
    expect(audited[0].after).toMatchObject({ from: '2026-11', to: '2026-11', callerKey: false });
  });
});
