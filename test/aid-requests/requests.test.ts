import { insertAidTypes } from '../../seeds/demo';
import { useWorld } from '../support/world';
import { cipherOf } from '../support/encryption';
import { $, csrfToken, fieldError, loginAs, postForm } from '../support/http';
import { MANDATORY, PDF, fileRequest, upload } from '../support/filing';
import { insertHousehold, insertPerson } from '../factories/household';

const t = useWorld();

let householdId: string;
let aqId: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  const holder = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', salaryCents: 120000 });
  const spouse = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Marc', employmentStatus: 'job_seeker', salaryCents: 30000 });
  householdId = (
    await insertHousehold(t.ctx.knex, t.world.landlordA.id, { rentCents: 52000, members: [{ personId: holder }, { personId: spouse, relationship: 'spouse' }] })
  ).id;
});

const situation = {
  rent: '520',
  charges: '80',
  housingAllowance: '100',
  resources_0: '1 200',
  resources_1: '300',
  arrears: '1 040',
  arrearsMonths: '2',
  cause: 'job_loss',
};

async function draft(): Promise<string> {
  const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  const res = await postForm(agent, '/demandes', { householdId, aidTypeId: aqId }, `/demandes/nouvelle?menage=${householdId}`);
  expect(res.status).toBe(302);
  return (res.headers.location as string).split('/')[2] as string;
}

const row = (id: string) => t.ctx.knex('aid_requests').where({ id }).first();
const version = async (id: string) => String((await row(id)).version);

describe('supporting documents', () => {
  it('accepts a PDF checked by its content, keeps replaced versions, and serves downloads as attachments', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect((await upload(agent, id, 'tax_notice', PDF, 'avis 2025.pdf')).status).toBe(302);
    expect((await upload(agent, id, 'tax_notice', Buffer.concat([PDF, Buffer.from('v2')]), 'avis d’impôt corrigé.pdf')).status).toBe(302);
    const docs = await t.ctx.knex('request_documents').where({ request_id: id }).orderBy('version');
    expect(docs.map((d) => [d.version, d.current, d.filename])).toEqual([
      [1, false, 'avis 2025.pdf'],
      [2, true, 'avis d’impôt corrigé.pdf'],
    ]);
    const blob = await t.ctx.knex('blobs').where({ id: docs[0].blob_id }).first();
    expect(blob.sha256).toMatch(/^[0-9a-f]{64}$/);
    const download = await agent.get(`/demandes/${id}/pieces/${docs[0].id}`);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toBe('attachment; filename="avis 2025.pdf"; filename*=UTF-8\'\'avis%202025.pdf');
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    // a name outside Latin-1 travels as RFC 6266 UTF-8, never as raw bytes in the header
    const accented = await agent.get(`/demandes/${id}/pieces/${docs[1].id}`);
    expect(accented.status).toBe(200);
    expect(accented.headers['content-disposition']).toContain("filename*=UTF-8''avis%20d%E2%80%99imp%C3%B4t%20corrig%C3%A9.pdf");
    const page = $((await agent.get(`/demandes/${id}/pieces`)).text);
    expect(page('table').text()).toContain('(remplacée)');
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get(`/demandes/${id}/pieces/${docs[0].id}`)).status).toBe(404);
  });

  it('refuses a program renamed .pdf, an empty file and a file over 10 MB, with French messages', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const exe = await upload(agent, id, 'tax_notice', Buffer.from('MZ\x90\x00 this is a program'), 'avis.pdf');
    expect(exe.status).toBe(302);
    expect($((await agent.get(exe.headers.location as string)).text)('.alert-danger').text()).toContain('ni un PDF, ni une image JPEG ou PNG');
    const big = await upload(agent, id, 'tax_notice', Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), 'gros.pdf');
    expect(big.status).toBe(302);
    expect($((await agent.get(big.headers.location as string)).text)('.alert-danger').text()).toContain('dépasse 10 Mo');
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);
    const noToken = await agent.post(`/demandes/${id}/pieces`).field('kind', 'tax_notice').attach('file', PDF, 'a.pdf');
    expect(noToken.status).toBe(403);
  });
});

describe('filing an aid request step by step (landlord)', () => {
  it('creates a draft whose situation is prefilled from the household, by member', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const form = $((await agent.get(`/demandes/${id}/situation`)).text);
    expect(form('#rent').attr('value')).toBe('520,00');
    expect(form('label[for="resources_0"]').text()).toContain('Lucie Garnier');
    expect(form('#resources_0').attr('value')).toBe('1200,00');
    expect(form('#resources_1').attr('value')).toBe('300,00');
    expect(form('.stepper-item.current').text()).toContain('Situation du ménage');
    expect((await row(id)).tenant_name).toBe('Lucie Garnier');
  });

  it('checks live while typing with the same messages as on submission; effort rate and remaining income shown', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const token = await csrfToken(agent, `/demandes/${id}/aide`);
    const over = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'aide', requested: '3 000,01', requestedMonths: '6', version: await version(id) });
    expect(over.status).toBe(200);
    const live = $(over.text)('.check-error')
      .map((_i, e) =>
        $(over.text)(e)
          .text()
          .replace(/^Non conforme : /, ''),
      )
      .get();
    const ceiling = live.find((l) => l.includes('Le montant dépasse le plafond de l’aide'));
    expect(ceiling).toMatch(/^Le montant dépasse le plafond de l’aide : 3\s000,00\s€$/);
    // the same sentence stops the submission
    expect((await postForm(agent, `/demandes/${id}/aide`, { requested: '3 000,01', requestedMonths: '6', version: await version(id) })).status).toBe(302);
    const submit = await postForm(agent, `/demandes/${id}/deposer`, { version: await version(id) }, `/demandes/${id}/recapitulatif`);
    expect(submit.headers.location).toBe(`/demandes/${id}/recapitulatif`);
    expect($((await agent.get(`/demandes/${id}/recapitulatif`)).text)('.alert-danger').text()).toContain(ceiling as string);
    expect((await row(id)).status).toBe('draft');

    const ok = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'situation', ...situation, version: await version(id) });
    expect(ok.text).toMatch(/Taux d’effort : <strong>33,3\s%<\/strong>/);
    expect($(ok.text)('p').text()).toMatch(/Reste à vivre : 16,66\s€/);
    const typo = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'situation', ...situation, rent: 'abc', version: await version(id) });
    expect(typo.status).toBe(200);
    expect($(typo.text)('.check-error').text()).toContain('Saisissez un montant positif');
  });

  it('checks the IBAN key live and on save; a rejected step keeps every typed value next to its error', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const token = await csrfToken(agent, `/demandes/${id}/versement`);
    const bad = { payeeKind: 'landlord', payeeName: 'Bailleur Alpha', payeeIban: 'FR76 3000 6000 0112 3456 7890 188', payeeBic: 'BNPAFRPPXXX' };
    const live = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'versement', ...bad, version: await version(id) });
    expect($(live.text)('.check-error').text()).toContain('la clé de contrôle ne correspond pas');
    const saved = await postForm(agent, `/demandes/${id}/versement`, { ...bad, version: await version(id) });
    expect(saved.status).toBe(400);
    expect(fieldError(saved.text, 'payeeIban')).toContain('la clé de contrôle ne correspond pas');
    expect($(saved.text)('#payeeIban').attr('value')).toBe(bad.payeeIban);
    expect($(saved.text)('#payeeName').attr('value')).toBe('Bailleur Alpha');
    const situationTypo = await postForm(agent, `/demandes/${id}/situation`, {
      ...situation,
      rent: '5OO',
      causeComment: 'Licenciement en octobre',
      version: await version(id),
    });
    expect(situationTypo.status).toBe(400);
    expect(fieldError(situationTypo.text, 'rent')).toContain('Saisissez un montant positif');
    expect($(situationTypo.text)('#rent').attr('value')).toBe('5OO');
    expect($(situationTypo.text)('#causeComment').text()).toBe('Licenciement en octobre');
    expect((await row(id)).payee_iban).toBeNull();
  });

  it('files through every step and submits: reference, rules version, consent, checks kept, timeline, audit', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const id = await fileRequest(agent, { householdId, aidTypeId: aqId, situation, amount: '1 800', months: '6', documents: MANDATORY.AQ });
    const submitted = await row(id);
    expect(submitted).toMatchObject({ status: 'submitted', requested_cents: '180000', requested_months: 6, payee_kind: 'landlord' });
    // stored encrypted, with its keyed hash for the same-IBAN check
    expect(submitted.payee_iban).toMatch(/^enc:v1:/);
    expect(cipherOf(t.ctx.services).decrypt(submitted.payee_iban, 'aid_requests.payee_iban')).toBe('FR7630006000011234567890189');
    expect(submitted.payee_iban_hash).toBe(cipherOf(t.ctx.services).blindIndex('FR7630006000011234567890189'));
    expect(submitted.reference).toMatch(/^2026-\d{5}$/);
    expect((await t.ctx.knex('aid_type_versions').where({ id: submitted.aid_type_version_id }).first()).number).toBe(2);
    expect(submitted.consent).toMatchObject({ informed: true, date: '2026-11-20', method: 'paper_signed', noticeVersion: '2026-01' });
    expect(submitted.submit_checks.filter((c: { level: string }) => c.level === 'error')).toEqual([]);
    expect((await t.ctx.knex('request_events').where({ request_id: id }).orderBy('id')).map((e) => e.to_status)).toEqual(['draft', 'submitted']);
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.submitted' }).first()).toBeTruthy();
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.consent_recorded' }).first()).toBeTruthy();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect($((await operator.get(`/demandes/${id}`)).text)('.status').text()).toBe('Déposée');
    // a submitted request's steps are frozen: the step pages lead back to the request
    const frozen = await postForm(agent, `/demandes/${id}/situation`, { ...situation, version: String(submitted.version) }, `/demandes/${id}`);
    expect(frozen.status).toBe(302);
    expect($((await agent.get(`/demandes/${id}`)).text)('.alert-danger').text()).toContain('ne se modifie plus');
  });

  it('refuses to submit without the consent, the payee and the mandatory documents, saying what is missing', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    await postForm(agent, `/demandes/${id}/situation`, { ...situation, version: await version(id) });
    await postForm(agent, `/demandes/${id}/aide`, { requested: '1 500', requestedMonths: '5', version: await version(id) });
    await upload(agent, id, 'tax_notice', PDF, 'avis.pdf');
    await postForm(agent, `/demandes/${id}/deposer`, { version: await version(id) }, `/demandes/${id}/recapitulatif`);
    expect((await row(id)).status).toBe('draft');
    const message = $((await agent.get(`/demandes/${id}/recapitulatif`)).text)('.alert-danger').text();
    expect(message).toContain('Pièces obligatoires manquantes : Quittance ou avis d’échéance de loyer, Trois derniers bulletins de salaire');
    expect(message).toContain('Indiquez qui reçoit le versement');
    expect(message).toContain('Recueillez le consentement du locataire');
    const noConsent = await postForm(agent, `/demandes/${id}/consentement`, {
      consentDate: '2026-11-20',
      consentMethod: 'paper_signed',
      version: await version(id),
    });
    expect(noConsent.status).toBe(400);
    expect(fieldError(noConsent.text, 'consentInformed')).toContain('Confirmez que le locataire a reçu l’information');
    const future = await postForm(agent, `/demandes/${id}/consentement`, {
      consentInformed: 'on',
      consentDate: '2026-12-24',
      consentMethod: 'paper_signed',
      version: await version(id),
    });
    expect(fieldError(future.text, 'consentDate')).toContain('ne peut pas être dans le futur');
  });

  it('warns about another open request of the same aid for the household, and lets the landlord withdraw', async () => {
    const id = await draft();
    const agent = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const page = $((await agent.get(`/demandes/${id}`)).text);
    expect(page('.check-warn').text()).toContain('Une autre demande de cette aide est déjà ouverte');
    expect(page('a.btn-primary').text()).toContain('Reprendre la saisie');
    expect((await postForm(agent, `/demandes/${id}/retirer`, { version: await version(id), confirmation: 'oui' }, `/demandes/${id}/retirer`)).status).toBe(302);
    expect((await row(id)).status).toBe('withdrawn');
    expect(await t.ctx.knex('access_events').where({ entity_id: id, action: 'request.view.synthese' }).first()).toBeTruthy();
  });

  it('keeps requests inside their organisation: another landlord gets 404, operators do not see drafts, auditors are refused', async () => {
    const id = await draft();
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    for (const path of [`/demandes/${id}`, `/demandes/${id}/situation`, `/demandes/${id}/aide`, `/demandes/${id}/recapitulatif`])
      expect((await other.get(path)).status).toBe(404);
    expect((await postForm(other, `/demandes/${id}/retirer`, { version: '1' }, '/demandes')).status).toBe(404);
    expect((await postForm(other, '/demandes', { householdId, aidTypeId: aqId }, '/demandes/nouvelle')).status).toBe(400);
    expect($((await other.get('/demandes')).text)('tbody').text()).toContain('Aucune demande');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    expect((await operator.get(`/demandes/${id}`)).status).toBe(404);
    expect((await operator.get(`/demandes/${id}/situation`)).status).toBe(403);
    const auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
    expect((await auditor.get('/demandes')).status).toBe(403);
  });

  it('finds households to file for by name, and offers to create one', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const page = $((await agent.get('/demandes/nouvelle?q=garnier')).text);
    expect(page('.list-group').text()).toContain('Garnier Lucie');
    expect(page('a[href="/menages/nouveau?demande=1"]').length).toBe(1);
    const other = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    expect($((await other.get('/demandes/nouvelle?q=garnier')).text)('main').text()).toContain('Aucun ménage');
  });
});
