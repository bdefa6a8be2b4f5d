import express from 'express';
import request from 'supertest';
import { singleFileUpload } from '../../src/http/uploads';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { EICAR, INFECTED_PDF, useClamd } from '../support/clamd';
import { MANDATORY, PDF, fileRequest, pageVersion, upload } from '../support/filing';
import { $, csrfToken, fieldError, loginAs, postForm, type Agent } from '../support/http';
import { withIdentity } from '../support/second-factor';
import { useWorld } from '../support/world';

/**
 * Issue 18: every upload goes through clamd (INSTREAM) before anything is kept — request
 * documents, the consent's signed form, messages' attachments, RIBs, the bank's pain.002. Real
 * clamd (test/support/clamd.ts), real app, real database; nothing mocked.
 */
const TOKEN = 'metrics-token-for-the-virus-tests-0123456789';
const c = useClamd({ METRICS_TOKEN: TOKEN });
const t = useWorld(c.env);

const VIRUS = /^Ce fichier contient un virus \(.+\) : il n’a pas été enregistré\.$/;
const UNAVAILABLE = 'L’analyse antivirus est indisponible : réessayez dans quelques minutes';

let householdId: string;
let aqId: string;
beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  const holder = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', salaryCents: 120000 });
  householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { rentCents: 52000, members: [{ personId: holder }] })).id;
});

async function draft(agent: Agent): Promise<string> {
  const res = await postForm(agent, '/demandes', { householdId, aidTypeId: aqId }, `/demandes/nouvelle?menage=${householdId}`);
  expect(res.status).toBe(302);
  return (res.headers.location as string).split('/')[2] as string;
}

const blobCount = async () => Number((await t.ctx.knex('blobs').count<Array<{ count: string }>>('* as count'))[0]!.count);
const flashError = async (agent: Agent, path: string) =>
  $((await agent.get(path)).text)('.alert-danger')
    .text()
    .trim();
const infectedLines = () => t.ctx.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'upload.infected');
const scrape = async () => (await request(t.ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
function securityEvents(text: string, event: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`entraide_security_events_total{event="${event}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('request documents', () => {
  it('refuses EICAR and a PDF carrying it, stores nothing, and accepts a clean PDF', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await draft(agent);
    const blobs = await blobCount();
    for (const [data, name] of [
      [EICAR, 'eicar.com'],
      [INFECTED_PDF, 'avis d’impôt.pdf'],
    ] as const) {
      const res = await upload(agent, id, 'tax_notice', data, name);
      expect(res.status).toBe(302);
      expect(await flashError(agent, res.headers.location as string)).toMatch(VIRUS);
    }
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
    expect(await blobCount()).toBe(blobs);

    const clean = await upload(agent, id, 'tax_notice', PDF, 'avis 2025.pdf');
    expect(clean.status).toBe(302);
    expect(await flashError(agent, clean.headers.location as string)).toBe('');
    expect((await t.ctx.knex('request_documents').where({ request_id: id })).map((d) => d.filename)).toEqual(['avis 2025.pdf']);
  });

  it('refuses the whole sending when one of several files is infected, naming it', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await draft(agent);
    const token = await csrfToken(agent, `/demandes/${id}`);
    const res = await agent
      .post(`/demandes/${id}/pieces`)
      .field('_csrf', token)
      .attach('files', PDF, 'quittance.pdf')
      .attach('files', INFECTED_PDF, 'relevé.pdf');
    expect(res.status).toBe(302);
    expect(await flashError(agent, res.headers.location as string)).toMatch(
      /^Le fichier « relevé\.pdf » contient un virus \(.+\) : il n’a pas été enregistré, ni les autres fichiers de cet envoi\.$/,
    );
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
  });

  it('keeps what was typed on the consent step and says why next to the file', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await draft(agent);
    const token = await csrfToken(agent, `/demandes/${id}/consentement`);
    const res = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await pageVersion(agent, `/demandes/${id}/consentement`))
      .field('consentInformed', 'on')
      .field('consentDate', '2026-11-20')
      .field('consentMethod', 'paper_signed')
      .field('joindre', '1')
      .attach('file', INFECTED_PDF, 'consentement signé.pdf');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'file')).toMatch(VIRUS);
    const page = $(res.text);
    expect(page('#consentInformed').attr('checked')).toBeDefined();
    expect(page('#consentDate').attr('value')).toBe('2026-11-20');
    expect(page('#consentMethod option[selected]').attr('value')).toBe('paper_signed');
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).consent).toBeNull();
  });
});

describe('the other upload forms', () => {
  it('refuses an infected RIB next to its field, every typed value kept, no account created', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const token = $((await admin.get('/comptes-bancaires')).text)('input[name="_csrf"]')
      .first()
      .attr('value') as string;
    let req = admin.post('/comptes-bancaires').field('_csrf', token);
    for (const [k, v] of Object.entries(withIdentity({ holderName: 'Bailleur Alpha', iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'AGRIFRPPXXX' })))
      req = req.field(k, v);
    const res = await req.attach('rib', INFECTED_PDF, 'RIB Alpha.pdf');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'rib')).toMatch(VIRUS);
    expect($(res.text)('#holderName').attr('value')).toBe('Bailleur Alpha');
    expect($(res.text)('#iban').attr('value')).toBe('FR76 3000 6000 0112 3456 7890 189');
    expect(await t.ctx.knex('bank_accounts').where({ rib_filename: 'RIB Alpha.pdf' })).toHaveLength(0);
  });

  it('refuses an infected pain.002 from the bank before reading it', async () => {
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const token = $((await operator.get('/paiements')).text)('input[name="_csrf"]')
      .first()
      .attr('value') as string;
    const res = await operator.post('/paiements/rapport-banque').field('_csrf', token).attach('file', EICAR, 'pain002.xml');
    expect(res.status).toBe(302);
    expect(await flashError(operator, '/paiements')).toMatch(VIRUS);
  });

  it('refuses an infected attachment to a message, the message kept on the page and not sent', async () => {
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await fileRequest(landlord, { householdId, aidTypeId: aqId, amount: '900', months: '3', documents: MANDATORY.AQ });
    const token = await csrfToken(landlord, `/demandes/${id}?onglet=echanges`);
    const res = await landlord
      .post(`/demandes/${id}/messages`)
      .field('_csrf', token)
      .field('message', 'Voici l’échéancier signé.')
      .attach('files', PDF, 'échéancier.pdf')
      .attach('files', EICAR, 'photo.png');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'files')).toMatch(/^Le fichier « photo\.png » contient un virus/);
    expect($(res.text)('#message').text()).toBe('Voici l’échéancier signé.');
    expect($((await landlord.get(`/demandes/${id}?onglet=echanges`)).text)('.message').text()).not.toContain('Voici l’échéancier signé.');
  });
});

describe('the security log and the metrics', () => {
  it('writes each infected upload as upload.infected — signature, size, hash, user — never its content or its name — and counts it', async () => {
    const before = securityEvents(await scrape(), 'upload.infected');
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await draft(agent);
    const lines = infectedLines().length;
    await upload(agent, id, 'payslips', INFECTED_PDF, 'bulletin Garnier.pdf');
    const [line] = infectedLines().slice(lines);
    expect(line).toMatchObject({ level: 'warn', event: 'upload.infected', size: INFECTED_PDF.length, field: 'file', userId: t.world.users.instructorA.id });
    expect(line!.signature).toEqual(expect.any(String));
    expect(line!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(line);
    expect(text).not.toContain('Garnier');
    expect(text).not.toContain('EICAR-STANDARD');
    expect(securityEvents(await scrape(), 'upload.infected')).toBe(before + 1);
  });
});

describe('the upload middleware (src/http/uploads.ts)', () => {
  /** A route that forgets req.uploadError and stores whatever file it finds: the middleware alone must protect it. */
  function careless(screen: boolean) {
    const app = express();
    app.use((req, _res, next) => {
      req.checkCsrf = () => true;
      if (screen) req.screenUploads = (files, route) => t.ctx.services.uploadScreen.screen(files, route);
      next();
    });
    app.post('/depot', ...singleFileUpload('file'), (req, res) => {
      res.json({ file: req.file?.originalname ?? null, error: req.uploadError ?? null });
    });
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ failure: err.message });
    });
    return app;
  }

  it('hands a handler no file once it is refused, so a route that forgets the error stores nothing', async () => {
    const infected = await request(careless(true)).post('/depot').attach('file', INFECTED_PDF, 'avis.pdf');
    expect(infected.body).toMatchObject({ file: null, error: expect.stringMatching(VIRUS) });
    const clean = await request(careless(true)).post('/depot').attach('file', PDF, 'avis.pdf');
    expect(clean.body).toEqual({ file: 'avis.pdf', error: null });
  });

  it('fails, never lets a file through, when an app forgot to wire the scan', async () => {
    const res = await request(careless(false)).post('/depot').attach('file', PDF, 'avis.pdf');
    expect(res.status).toBe(500);
    expect(res.body.failure).toMatch(/no virus scan wired/);
  });
});

// last: stops this file's clamd
describe('clamd down', () => {
  it('refuses every upload (fail closed) with the French message, stores nothing, logs and counts it, no 500', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await draft(agent);
    await c.clamd.stop();
    const blobs = await blobCount();
    const res = await upload(agent, id, 'tax_notice', PDF, 'avis 2025.pdf');
    expect(res.status).toBe(302);
    expect(await flashError(agent, res.headers.location as string)).toContain(UNAVAILABLE);
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
    expect(await blobCount()).toBe(blobs);
    const down = t.ctx.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'upload.scan_unavailable');
    expect(down.at(-1)).toMatchObject({ level: 'error', reason: 'unreachable' });
    expect(securityEvents(await scrape(), 'upload.scan_unavailable')).toBeGreaterThanOrEqual(1);
    // a form with no file does not need clamd
    const consent = await postForm(
      agent,
      `/demandes/${id}/consentement`,
      { version: await pageVersion(agent, `/demandes/${id}/consentement`), consentInformed: 'on', consentDate: '2026-11-20', consentMethod: 'paper_signed' },
      `/demandes/${id}/consentement`,
    );
    expect(consent.status).toBe(302);
  });
});
