import { insertAidTypes } from '../../seeds/demo';
import { useWorld } from '../support/world';
import { $, csrfToken, loginAs, postForm } from '../support/http';
import { insertHousehold, insertPerson } from '../factories/household';

const t = useWorld();

let householdId: string;
let aqId: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  const holder = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', salaryCents: 120000 });
  const spouse = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Marc', employmentStatus: 'job_seeker', salaryCents: 30000 });
  householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { rentCents: 52000, members: [{ personId: holder }, { personId: spouse, relationship: 'spouse' }] })).id;
});

const situation = { rent: '520', charges: '80', housingAllowance: '100', resources_0: '1 200', resources_1: '300', arrears: '1 040', arrearsMonths: '2', cause: 'job_loss', requested: '1 800', requestedMonths: '6' };

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

/** Uploads a file the way the browser form does (the CSRF field first, then the kind, then the file). */
async function upload(agent: Awaited<ReturnType<typeof loginAs>>, id: string, kind: string, data: Buffer, name: string) {
  const token = await csrfToken(agent, `/demandes/${id}`);
  return agent.post(`/demandes/${id}/pieces`).field('_csrf', token).field('kind', kind).attach('file', data, name);
}

async function attachMandatory(agent: Awaited<ReturnType<typeof loginAs>>, id: string) {
  for (const kind of ['rent_receipt', 'payslips', 'tax_notice']) expect((await upload(agent, id, kind, PDF, `${kind}.pdf`)).status).toBe(302);
}

async function draft(): Promise<string> {
  const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  const res = await postForm(agent, '/demandes', { householdId, aidTypeId: aqId }, `/demandes/nouvelle?menage=${householdId}`);
  expect(res.status).toBe(302);
  return (res.headers.location as string).split('/')[2] as string;
}

describe('supporting documents', () => {
  it('accepts a PDF checked by its content, keeps replaced versions, and serves downloads as attachments', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect((await upload(agent, id, 'tax_notice', PDF, 'avis 2025.pdf')).status).toBe(302);
    expect((await upload(agent, id, 'tax_notice', Buffer.concat([PDF, Buffer.from('v2')]), 'avis corrigé.pdf')).status).toBe(302);
    const docs = await t.ctx.knex('request_documents').where({ request_id: id }).orderBy('version');
    expect(docs.map((d) => [d.version, d.current, d.filename])).toEqual([[1, false, 'avis 2025.pdf'], [2, true, 'avis corrigé.pdf']]);
    const blob = await t.ctx.knex('blobs').where({ id: docs[0].blob_id }).first();
    expect(blob.sha256).toMatch(/^[0-9a-f]{64}$/);
    const download = await agent.get(`/demandes/${id}/pieces/${docs[0].id}`);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe('attachment; filename="avis 2025.pdf"');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    const page = $((await agent.get(`/demandes/${id}`)).text);
    expect(page('#pieces').parent().text()).toContain('(remplacée)');
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get(`/demandes/${id}/pieces/${docs[0].id}`)).status).toBe(404);
  });

  it('refuses a program renamed .pdf, an empty file and a file over 10 MB, with French messages', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const exe = await upload(agent, id, 'tax_notice', Buffer.from('MZ\x90\x00 this is a program'), 'avis.pdf');
    expect(exe.status).toBe(302);
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toContain('ni un PDF, ni une image JPEG ou PNG');
    const big = await upload(agent, id, 'tax_notice', Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), 'gros.pdf');
    expect(big.status).toBe(302);
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toContain('dépasse 10 Mo');
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
    const noToken = await agent.post(`/demandes/${id}/pieces`).field('kind', 'tax_notice').attach('file', PDF, 'a.pdf');
    expect(noToken.status).toBe(403);
  });

  it('a request cannot be submitted while a mandatory document is missing', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    let row = await t.ctx.knex('aid_requests').where({ id }).first();
    await postForm(agent, `/demandes/${id}/situation`, { ...situation, version: String(row.version) });
    await upload(agent, id, 'tax_notice', PDF, 'avis.pdf');
    row = await t.ctx.knex('aid_requests').where({ id }).first();
    await postForm(agent, `/demandes/${id}/deposer`, { consentInformed: 'on', consentDate: '2026-11-20', consentMethod: 'email', version: String(row.version) }, `/demandes/${id}`);
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('draft');
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toContain('Pièces obligatoires manquantes : Quittance ou avis d’échéance de loyer, Trois derniers bulletins de salaire');
  });
});

describe('filing an aid request (landlord)', () => {
  it('creates a draft whose situation is prefilled from the household, by member', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const form = $((await agent.get(`/demandes/${id}/situation`)).text);
    expect(form('#rent').attr('value')).toBe('520,00');
    expect(form('label[for="resources_0"]').text()).toContain('Lucie Garnier');
    expect(form('#resources_0').attr('value')).toBe('1200,00');
    expect(form('#resources_1').attr('value')).toBe('300,00');
  });

  it('checks live while typing with the same messages as on save, effort rate and remaining income shown', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const token = await csrfToken(agent, `/demandes/${id}/situation`);
    const row = await t.ctx.knex('aid_requests').where({ id }).first();
    const over = await agent.post(`/demandes/${id}/verifications`).type('form').send({ _csrf: token, ...situation, requested: '3 000,01', version: String(row.version) });
    expect(over.status).toBe(200);
    const lines = $(over.text)('.check-error').map((_i, e) => $(over.text)(e).text()).get();
    expect(lines.some((l) => l.includes('Le montant dépasse le plafond de l’aide'))).toBe(true);
    const ok = await agent.post(`/demandes/${id}/verifications`).type('form').send({ _csrf: token, ...situation, version: String(row.version) });
    // only the documents are missing at this stage
    expect($(ok.text)('.check-error').map((_i, e) => $(ok.text)(e).text()).get()).toEqual([expect.stringContaining('Pièces obligatoires manquantes')]);
    expect(ok.text).toMatch(/Taux d’effort : <strong>33,3\s%<\/strong>/);
    expect($(ok.text)('p').text()).toMatch(/Reste à vivre : 16,66\s€/);
    const typo = await agent.post(`/demandes/${id}/verifications`).type('form').send({ _csrf: token, ...situation, rent: 'abc', version: String(row.version) });
    expect(typo.status).toBe(200);
    expect($(typo.text)('.check-error').text()).toContain('Saisissez un montant positif');
  });

  it('saves the situation, then submits with the tenant’s consent: reference, rules version, timeline, audit', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    let row = await t.ctx.knex('aid_requests').where({ id }).first();
    expect((await postForm(agent, `/demandes/${id}/situation`, { ...situation, version: String(row.version) })).status).toBe(302);
    row = await t.ctx.knex('aid_requests').where({ id }).first();
    expect(row).toMatchObject({ requested_cents: '180000', requested_months: 6 });
    expect(row.situation.members.map((m: { resourcesCents: number }) => m.resourcesCents)).toEqual([120000, 30000]);

    await attachMandatory(agent, id);
    const noConsent = await postForm(agent, `/demandes/${id}/deposer`, { consentDate: '2026-11-20', consentMethod: 'paper_signed', version: String(row.version) }, `/demandes/${id}`);
    expect(noConsent.status).toBe(302);
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toContain('Confirmez que le locataire a reçu l’information');
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('draft');

    const ok = await postForm(agent, `/demandes/${id}/deposer`, { consentInformed: 'on', consentDate: '2026-11-20', consentMethod: 'paper_signed', version: String(row.version) }, `/demandes/${id}`);
    expect(ok.status).toBe(302);
    const submitted = await t.ctx.knex('aid_requests').where({ id }).first();
    expect(submitted.status).toBe('submitted');
    expect(submitted.reference).toMatch(/^2026-\d{5}$/);
    const version = await t.ctx.knex('aid_type_versions').where({ id: submitted.aid_type_version_id }).first();
    expect(version.number).toBe(2);
    expect(submitted.consent).toMatchObject({ date: '2026-11-20', method: 'paper_signed', noticeVersion: '2026-01' });
    expect((await t.ctx.knex('request_events').where({ request_id: id }).orderBy('id')).map((e) => e.to_status)).toEqual(['draft', 'submitted']);
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.submitted' }).first()).toBeTruthy();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect($((await operator.get(`/demandes/${id}`)).text)('.status').text()).toBe('Déposée');
    // a submitted request's situation is frozen
    const frozen = await postForm(agent, `/demandes/${id}/situation`, { ...situation, version: String(submitted.version) });
    expect($(frozen.text)('.alert-danger').text()).toContain('ne se modifie plus');
  });

  it('refuses to submit an amount above the aid’s ceiling, saying why', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    let row = await t.ctx.knex('aid_requests').where({ id }).first();
    await postForm(agent, `/demandes/${id}/situation`, { ...situation, requested: '3 500', version: String(row.version) });
    row = await t.ctx.knex('aid_requests').where({ id }).first();
    await postForm(agent, `/demandes/${id}/deposer`, { consentInformed: 'on', consentDate: '2026-11-20', consentMethod: 'email', version: String(row.version) }, `/demandes/${id}`);
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('draft');
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toMatch(/ne peut pas être déposée : Le montant dépasse le plafond de l’aide : 3\s000,00\s€/);
  });

  it('warns about another open request of the same aid for the household, and lets the landlord withdraw', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const page = $((await agent.get(`/demandes/${id}`)).text);
    expect(page('.check-warn').text()).toContain('Une autre demande de cette aide est déjà ouverte');
    const row = await t.ctx.knex('aid_requests').where({ id }).first();
    expect((await postForm(agent, `/demandes/${id}/retirer`, { version: String(row.version) }, `/demandes/${id}`)).status).toBe(302);
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('withdrawn');
    expect(await t.ctx.knex('access_events').where({ entity_id: id, action: 'request.view' }).first()).toBeTruthy();
  });

  it('keeps requests inside their organisation: another landlord gets 404, operators read, auditors are refused', async () => {
    const id = await draft();
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    for (const path of [`/demandes/${id}`, `/demandes/${id}/situation`]) expect((await other.get(path)).status).toBe(404);
    expect((await postForm(other, `/demandes/${id}/retirer`, { version: '1' }, '/demandes')).status).toBe(404);
    expect((await postForm(other, '/demandes', { householdId, aidTypeId: aqId }, '/demandes/nouvelle')).status).toBe(400);
    const list = $((await other.get('/demandes')).text);
    expect(list('tbody').text()).toContain('Aucune demande');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect((await operator.get(`/demandes/${id}`)).status).toBe(404); // a draft is the landlord's, until submitted
    expect((await operator.get(`/demandes/${id}/situation`)).status).toBe(403);
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    expect((await auditor.get('/demandes')).status).toBe(403);
  });
});
