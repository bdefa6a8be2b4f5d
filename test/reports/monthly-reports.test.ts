import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { monthlyReports } from '../../src/jobs/definitions/monthly-reports';
import { createReportsModule } from '../../src/reports/module';
import { reportRoutes } from '../../src/reports/routes';
import type { MonthlyReportService } from '../../src/reports/service';
import { parisDateTime } from '../../src/shared/dates';
import { ValidationError } from '../../src/shared/errors';
import { insertHousehold } from '../factories/household';
import { actorOf, paymentSetup } from '../factories/payment';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, type Agent, CSRF_REFUSAL, download, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The monthly activity reports (issue 16, « Reports that send themselves »): made from the
 * statistics with their secrecy, one per landlord and one for the association, archived and mailed
 * once per month, re-run safely, forced on purpose; the opt-out; the Rapports page.
 */
const t = useWorld();
let reports: MonthlyReportService;

/** The app with the Rapports routes mounted before its 404 (the root wires them in src/app.ts). */
function withReportRoutes(app: Express): Express {
  app.use(reportRoutes({ monthlyReports: reports, logger: t.ctx.services.logger }));
  const stack = (app as unknown as { router: { stack: Array<{ handle: { name?: string } }> } }).router.stack;
  const mounted = stack.pop()!;
  const notFound = stack.findIndex((l) => l.handle.name === 'notFound');
  stack.splice(notFound === -1 ? stack.length : notFound, 0, mounted);
  return app;
}

const pdfText = (data: Buffer): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-report-'));
  try {
    fs.writeFileSync(path.join(dir, 'r.pdf'), data);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const workbook = async (data: Buffer) => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as unknown as ArrayBuffer);
  return wb;
};
const rowOf = (wb: ExcelJS.Workbook, sheet: string, label: string): unknown[] => {
  const ws = wb.getWorksheet(sheet);
  if (!ws) throw new Error(`no sheet ${sheet}: ${wb.worksheets.map((w) => w.name).join(', ')}`);
  let found: unknown[] | null = null;
  ws.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1);
    if (values[0] === label) found = values;
  });
  if (!found) throw new Error(`no row ${label} in ${sheet}`);
  return found;
};

async function reportOf(month: string, organisationId: string | null) {
  const q = t.ctx.knex('monthly_reports').where({ month });
  const row = organisationId === null ? await q.whereNull('organisation_id').first() : await q.where({ organisation_id: organisationId }).first();
  return row as { id: string; pdf_blob_id: string; xlsx_blob_id: string; recipients: number; edition: number } | undefined;
}
const blob = async (id: string) => (await t.ctx.services.blobs.get(t.ctx.knex, id))!.data;
const reportMails = (month: string) =>
  t.ctx
    .knex('mail_outbox')
    .where({ kind: 'report.monthly' })
    .andWhereLike('subject', `%${month}%`)
    .orderBy('to_address')
    .select('id', 'to_address', 'subject', 'text_body');

beforeAll(async () => {
  reports = createReportsModule({
    db: t.ctx.knex,
    clock: t.ctx.clock,
    statistics: t.ctx.services.statistics,
    statisticsRefresher: t.ctx.services.statisticsRefresher,
    settings: t.ctx.services.settings,
    mailer: t.ctx.services.mailer,
    blobs: t.ctx.services.blobs,
    audit: t.ctx.services.audit,
    logger: t.ctx.services.logger,
    baseUrl: t.ctx.services.config.baseUrl,
  }).monthlyReports;
  withReportRoutes(t.ctx.app);
  const { aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  // landlord A: 6 requests in October 2026 and 6 in September (shown); landlord B: 2 in October (secret)
  const file = async (landlord: { id: string }, by: string, day: string) => {
    const household = await insertHousehold(t.ctx.knex, landlord.id, { postcode: '69003' });
    const id = await insertRequest(t.ctx.knex, { organisationId: landlord.id, householdId: household.id, aidTypeId: aqId, createdBy: by, status: 'submitted' });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ submitted_at: parisDateTime(day, '10:00') });
  };
  for (let i = 0; i < 6; i++) await file(t.world.landlordA, t.world.users.instructorA.id, `2026-10-1${i}`);
  for (let i = 0; i < 6; i++) await file(t.world.landlordA, t.world.users.instructorA.id, `2026-09-1${i}`);
  for (let i = 0; i < 2; i++) await file(t.world.landlordB, t.world.users.instructorB.id, `2026-10-2${i}`);
  await t.ctx.services.statisticsRefresher.refresh('all');
});
afterAll(() => t.ctx.clock.set(TEST_NOW));

describe('the monthly reports of a month', () => {
  let first: Awaited<ReturnType<MonthlyReportService['sendMonth']>>;
  beforeAll(async () => {
    first = await reports.sendMonth('2026-10');
  });

  it('makes one report per landlord and one for the association, mailed to the landlords’ administrators, the association’s administrators and the auditors', async () => {
    expect(first).toEqual({ month: '2026-10', reports: 3, already: 0, mails: 4 });
    const mails = await reportMails('octobre 2026');
    expect(mails.map((m: { to_address: string }) => m.to_address)).toEqual(['admin@alpha.test', 'admin@asso.test', 'admin@beta.test', 'auditor@asso.test']);
    const alpha = mails.find((m: { to_address: string }) => m.to_address === 'admin@alpha.test')!;
    expect(alpha.subject).toBe('Rapport mensuel d’activité — octobre 2026 — Bailleur Alpha');
    expect(alpha.text_body).toContain('http://entraide.test/rapports');
    expect(alpha.text_body).toContain('Pour ne plus recevoir ce rapport par courriel : http://entraide.test/rapports#abonnement');
    const attachments = await t.ctx.knex('mail_attachments').where({ mail_id: alpha.id }).orderBy('filename').select('filename', 'content_type');
    expect(attachments.map((a: { filename: string }) => a.filename)).toEqual([
      'rapport-mensuel-2026-10-bailleur-alpha.pdf',
      'rapport-mensuel-2026-10-bailleur-alpha.xlsx',
    ]);
    const global = mails.find((m: { to_address: string }) => m.to_address === 'auditor@asso.test')!;
    expect(global.subject).toBe('Rapport mensuel d’activité — octobre 2026 — Toute l’association');
    expect((await reportOf('2026-10', null))!.recipients).toBe(2);
  });

  it('gives a landlord its own figures beside the association’s average, in a PDF with the letterhead, never another landlord’s name', async () => {
    const text = pdfText(await blob((await reportOf('2026-10', t.world.landlordA.id))!.pdf_blob_id));
    const letterhead = (await t.ctx.services.settings.get()).letterhead;
    expect(text).toContain(letterhead.name);
    expect(text).toContain('Rapport mensuel d’activité — octobre 2026');
    expect(text).toContain('Bailleur Alpha');
    expect(text).toContain('Moyenne par bailleur');
    // 6 in October, none a year before; the association's 8 ÷ 2 landlords = 4 per landlord, itself « < 5 »
    expect(text).toMatch(/Demandes reçues\s+6\s+0\s+<\s?5/);
    expect(text).toContain('Demandes reçues, décidées et accordées — 12 derniers mois');
    expect(text).not.toContain('Bêta');
    expect(text).not.toContain('Beta');
    const b = pdfText(await blob((await reportOf('2026-10', t.world.landlordB.id))!.pdf_blob_id));
    expect(b).toContain('Bailleur Bêta');
    expect(b).not.toContain('Alpha');
    expect(b).toMatch(/Demandes reçues\s+<\s?5/);
  });

  it('writes the same figures in the XLSX, « < 5 » where they are secret', async () => {
    const a = await workbook(await blob((await reportOf('2026-10', t.world.landlordA.id))!.xlsx_blob_id));
    expect(rowOf(a, 'Synthèse demandes', 'Demandes reçues').slice(0, 2)).toEqual(['Demandes reçues', 6]);
    expect(a.worksheets.map((w) => w.name)).not.toContain('Demandes par bailleur');
    const names = JSON.stringify(a.worksheets.map((w) => w.getSheetValues()));
    expect(names).not.toContain('Bêta');
    const b = await workbook(await blob((await reportOf('2026-10', t.world.landlordB.id))!.xlsx_blob_id));
    expect(rowOf(b, 'Synthèse demandes', 'Demandes reçues')[1]).toBe('< 5');
    const all = await workbook(await blob((await reportOf('2026-10', null))!.xlsx_blob_id));
    expect(rowOf(all, 'Demandes par bailleur', 'Bailleur Alpha')[1]).toBe(6);
    expect(rowOf(all, 'Demandes par bailleur', 'Bailleur Bêta')[1]).toBe('< 5');
    expect(rowOf(all, 'Synthèse demandes', 'Demandes reçues')[1]).toBe(8);
  });

  it('sends nothing again when run again for the same month, by hand or through the job', async () => {
    expect(await reports.sendMonth('2026-10')).toEqual({ month: '2026-10', reports: 0, already: 3, mails: 0 });
    const outcome = await t.ctx.services.jobs.run(monthlyReports, { monthlyReports: reports }, 'Test', '2026-11-05');
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { reports: 0, already: 3, mails: 0 } });
    expect(await reportMails('octobre 2026')).toHaveLength(4);
    expect(await t.ctx.knex('monthly_reports').where({ month: '2026-10' }).count<{ n: string }[]>('* as n')).toEqual([{ n: '3' }]);
  });

  it('refuses a month that is not over', async () => {
    await expect(reports.sendMonth('2026-11')).rejects.toThrow(ValidationError);
    await expect(reports.sendMonth('2026-13')).rejects.toThrow(ValidationError);
  });
});

describe('the opt-out and a forced re-run', () => {
  it('stops the mails to a person who opted out (audited) and makes the report again when forced, for a past month', async () => {
    await reports.sendMonth('2026-09');
    const before = await reportMails('septembre 2026');
    expect(before).toHaveLength(4);
    const adminA = await actorOf(t.ctx.knex, t.world.users.adminA.id);
    expect(await reports.receives(adminA)).toBe(true);
    await reports.setReceives(adminA, false);
    expect(await reports.receives(adminA)).toBe(false);
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'user', entity_id: adminA.userId, action: 'user.monthly_report_opt_out' });
    expect(audit).toHaveLength(1);

    const old = (await reportOf('2026-09', t.world.landlordA.id))!;
    expect(await reports.sendMonth('2026-09')).toMatchObject({ reports: 0, already: 3, mails: 0 });
    expect(await reports.sendMonth('2026-09', { force: true })).toEqual({ month: '2026-09', reports: 3, already: 0, mails: 3 });
    const again = (await reportOf('2026-09', t.world.landlordA.id))!;
    expect(again).toMatchObject({ id: old.id, edition: 2, recipients: 0 });
    expect(again.pdf_blob_id).not.toBe(old.pdf_blob_id);
    // the mail sent before still carries its files
    expect(await t.ctx.services.blobs.get(t.ctx.knex, old.pdf_blob_id)).not.toBeNull();
    const after = await reportMails('septembre 2026');
    expect(after.filter((m: { to_address: string }) => m.to_address === 'admin@alpha.test')).toHaveLength(1);
    expect(after).toHaveLength(7);
    expect(after.find((m: { text_body: string }) => m.text_body.includes('nouvelle édition'))).toBeDefined();
    await reports.setReceives(adminA, true);
  });
});

describe('concurrent runs', () => {
  it('makes and mails each report of a month once when two runs start together', async () => {
    const outcomes = await Promise.all([reports.sendMonth('2026-08'), reports.sendMonth('2026-08')]);
    expect(outcomes.reduce((n, o) => n + o.reports, 0)).toBe(3);
    expect(outcomes.reduce((n, o) => n + o.already, 0)).toBe(3);
    expect(await reportMails('août 2026')).toHaveLength(4);
    expect(await t.ctx.knex('monthly_reports').where({ month: '2026-08' }).count<{ n: string }[]>('* as n')).toEqual([{ n: '3' }]);
  });
});

describe('the Rapports page', () => {
  let adminA: Agent;
  let auditor: Agent;
  beforeAll(async () => {
    adminA = await loginAs(t.ctx.app, t.world.users.adminA.email);
    auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
  });

  it('lists a landlord administrator its organisation’s reports only, with their downloads', async () => {
    const res = await adminA.get('/rapports');
    expect(res.status).toBe(200);
    const page = $(res.text);
    const rows = page('#rapports tbody th')
      .map((_, th) => page(th).text().trim())
      .get();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(rows.map((r) => r.replace(/\s+édition.*/, '')))).toEqual(new Set(['Bailleur Alpha']));
    expect(res.text).not.toContain('Bêta');
    const own = (await reportOf('2026-10', t.world.landlordA.id))!;
    const pdf = await download(adminA, `/rapports/${own.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain('rapport-mensuel-2026-10-bailleur-alpha.pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    const xlsx = await download(adminA, `/rapports/${own.id}/xlsx`);
    expect(xlsx.status).toBe(200);
  });

  it('answers 404 for another landlord’s report or the association’s, 403 to a role without reports', async () => {
    const other = (await reportOf('2026-10', t.world.landlordB.id))!;
    expect((await adminA.get(`/rapports/${other.id}/pdf`)).status).toBe(404);
    expect((await adminA.get(`/rapports/${(await reportOf('2026-10', null))!.id}/xlsx`)).status).toBe(404);
    expect((await adminA.get(`/rapports/${other.id}/docx`)).status).toBe(404);
    expect((await adminA.get('/rapports/pas-un-id/pdf')).status).toBe(404);
    for (const email of [t.world.users.instructorA.email, t.world.users.operator.email, t.world.users.accountant.email]) {
      const agent = await loginAs(t.ctx.app, email);
      expect((await agent.get('/rapports')).status).toBe(403);
      expect((await agent.get(`/rapports/${other.id}/pdf`)).status).toBe(403);
    }
  });

  it('lists the auditor a month’s reports of every landlord and of the association', async () => {
    const res = await auditor.get('/rapports?mois=2026-10');
    const page = $(res.text);
    expect(
      page('#rapports tbody th')
        .map((_, th) => page(th).text().trim())
        .get(),
    ).toEqual(['Toute l’association', 'Bailleur Alpha', 'Bailleur Bêta']);
    expect(page('#mois option[selected]').attr('value')).toBe('2026-10');
    const other = (await reportOf('2026-10', t.world.landlordB.id))!;
    expect((await download(auditor, `/rapports/${other.id}/pdf`)).status).toBe(200);
  });

  it('lets the person stop and resume the mails with a form (CSRF-protected), with a French confirmation', async () => {
    const res = await postForm(adminA, '/rapports/abonnement', { recevoir: 'non' }, '/rapports');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/rapports#abonnement');
    const page = await adminA.get('/rapports');
    expect(page.text).toContain('vous ne recevrez plus le rapport mensuel par courriel');
    expect($(page.text)('#abonnement-etat').text()).toContain('Vous ne recevez pas le rapport mensuel');
    expect((await t.ctx.knex('users').where({ id: t.world.users.adminA.id }).first('monthly_report_opt_out')).monthly_report_opt_out).toBe(true);

    const refused = await adminA.post('/rapports/abonnement').type('form').send({ recevoir: 'oui' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(CSRF_REFUSAL);

    const bad = await postForm(adminA, '/rapports/abonnement', { recevoir: 'peut-être' }, '/rapports');
    expect(bad.status).toBe(302);
    expect((await adminA.get('/rapports')).text).toContain('Choisissez de recevoir ou non le rapport mensuel par courriel');

    await postForm(adminA, '/rapports/abonnement', { recevoir: 'oui' }, '/rapports');
    expect((await adminA.get('/rapports')).text).toContain('vous recevrez le rapport mensuel par courriel');
    expect(
      await t.ctx.knex('audit_events').where({ entity_type: 'user', entity_id: t.world.users.adminA.id }).whereLike('action', 'user.monthly_report_%'),
    ).toHaveLength(4);
  });
});
