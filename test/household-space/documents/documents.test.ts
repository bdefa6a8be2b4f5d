import { insertAidTypes } from '../../../seeds/demo';
import { insertHousehold, insertPerson } from '../../factories/household';
import { insertRequest } from '../../factories/request';
import { PDF } from '../../support/filing';
import { householdAgent } from '../../support/household';
import { $, csrfToken, download, fieldError, loginAs } from '../../support/http';
import { useWorld } from '../../support/world';
import { JPEG, askHousehold as ask, askInformation, flash, freshHousehold as fresh, send, uploadsOf as uploads } from './helpers';

/**
 * Issue 17: the association asks the household for the missing papers too; the household sends
 * them from its phone (several files at once), each file kept as soon as it is received; the
 * landlord and the instructor see them arrive. Real app, real database, real outbox.
 */
const t = useWorld();

let aqId: string;
let holderA: string;
let householdA: string;
let holderB: string;
let householdB: string;
let noEmailHousehold: string;

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  holderA = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', email: 'lucie.garnier@example.test' });
  householdA = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: holderA, relationship: 'holder' }] })).id;
  holderB = await insertPerson(t.ctx.knex, { lastName: 'Benali', firstNames: 'Karim', email: 'karim.benali@example.test' });
  householdB = (await insertHousehold(t.ctx.knex, t.world.landlordB.id, { members: [{ personId: holderB, relationship: 'holder' }] })).id;
  noEmailHousehold = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
});

describe('the association asks for information', () => {
  it('asks the landlord only when « Demander aussi au ménage » is not ticked', async () => {
    const id = await reviewedRequest();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await askInformation(operator, id, [['information', 'Merci de joindre la quittance de loyer.']]);
    expect(res.status).toBe(302);
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('awaiting_information');
    expect(await t.ctx.knex('household_document_requests').where({ request_id: id })).toHaveLength(0);
  });

  it('asks the household too: what is expected is kept, audited, and the household gets its personal link', async () => {
    const id = await reviewedRequest();
    const before = Number((await t.ctx.knex('mail_outbox').where({ to_address: 'lucie.garnier@example.test', kind: 'household.link' }).count('* as c'))[0]!.c);
    const askId = await askHousehold(id);
    const ask = await t.ctx.knex('household_document_requests').where({ id: askId }).first();
    expect(ask.kinds).toEqual(['tax_notice', 'payslips']);
    expect(ask.other).toBe('Le courrier de la CAF d’octobre');
    expect(ask.household_id).toBe(householdA);
    // TEST_NOW is Monday 23/11/2026, and information is reminded after the configured days
    expect(String(ask.expected_by instanceof Date ? ask.expected_by.toISOString() : ask.expected_by).slice(0, 10) > '2026-11-23').toBe(true);
    const after = Number((await t.ctx.knex('mail_outbox').where({ to_address: 'lucie.garnier@example.test', kind: 'household.link' }).count('* as c'))[0]!.c);
    expect(after).toBe(before + 1);
    const audit = await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.household_documents_asked' });
    expect(audit).toHaveLength(1);
  });

  it('refuses to ask the household for nothing, keeping what was typed', async () => {
    const id = await reviewedRequest();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await askInformation(operator, id, [
      ['information', 'Texte gardé'],
      ['household', 'on'],
    ]);
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'householdKinds')).toContain('Cochez au moins une pièce');
    expect($(res.text)('#information').text()).toContain('Texte gardé');
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('in_review');
  });

  it('says so when no member of the household has an e-mail, and asks nothing', async () => {
    const id = await reviewedRequest(noEmailHousehold);
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await askInformation(operator, id, [
      ['information', 'Pièces manquantes'],
      ['household', 'on'],
      ['householdKinds', 'tax_notice'],
    ]);
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'household')).toContain('adresse électronique');
    expect((await t.ctx.knex('aid_requests').where({ id }).first()).status).toBe('in_review');
    expect(await t.ctx.knex('household_document_requests').where({ request_id: id })).toHaveLength(0);
  });

  it('refuses odd kinds and NUL bytes without a 500', async () => {
    const id = await reviewedRequest();
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const odd = await askInformation(operator, id, [
      ['information', 'x'],
      ['household', 'on'],
      ['householdKinds', '__proto__'],
      ['householdOther', 'y'.repeat(5000)],
    ]);
    expect(odd.status).toBe(400);
    const nul = await askInformation(operator, id, [
      ['information', 'x'],
      ['household', 'on'],
      ['householdOther', 'a\u0000b'],
    ]);
    expect(nul.status).toBe(400);
  });
});

describe('the date the papers are expected by', () => {
  afterEach(() => t.ctx.clock.set(new Date('2026-11-23T09:00:00.000Z')));

  it.each([
    ['a Monday morning', '2026-11-23T09:00:00.000Z', '2026-11-23'],
    ['a Sunday at 23:30 in Paris', '2026-11-29T22:30:00.000Z', '2026-11-29'],
    ['a Sunday at 23:30 UTC, already Monday in Paris', '2026-11-29T23:30:00.000Z', '2026-11-30'],
    ['New Year’s night, 00:30 in Paris while UTC is still in 2026', '2026-12-31T23:30:00.000Z', '2027-01-01'],
    ['31 December at 23:50 in Paris', '2026-12-31T22:50:00.000Z', '2026-12-31'],
    ['the night the clocks go back (25 October 2026)', '2026-10-25T01:30:00.000Z', '2026-10-25'],
  ])('counts the reminder days from the Paris day of the ask: %s', async (_label, now, parisDay) => {
    t.ctx.clock.set(new Date(now));
    const days = (await t.ctx.services.settings.get()).instruction.informationReminderDays;
    const id = await reviewedRequest();
    const askId = await askHousehold(id);
    const ask = await t.ctx.knex('household_document_requests').where({ id: askId }).first();
    const expected = new Date(`${parisDay}T12:00:00Z`);
    expected.setUTCDate(expected.getUTCDate() + days);
    const stored =
      ask.expected_by instanceof Date
        ? `${ask.expected_by.getFullYear()}-${String(ask.expected_by.getMonth() + 1).padStart(2, '0')}-${String(ask.expected_by.getDate()).padStart(2, '0')}`
        : String(ask.expected_by);
    expect(stored).toBe(expected.toISOString().slice(0, 10));
  });
});

describe('the household sends its papers', () => {
  it('lists what is expected in plain words, with the date', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const page = $((await agent.get('/mon-espace/documents')).text);
    const section = page(`#demande-${askId}`).text();
    expect(section).toContain('Avis d’imposition');
    expect(section).toContain('Trois derniers bulletins de salaire');
    expect(section).toContain('Le courrier de la CAF d’octobre');
    expect(section).toContain('Il manque l’avis d’imposition');
    expect(section).toMatch(/À envoyer avant le \d{2}\/\d{2}\/2026/);
    expect(page(`#demande-${askId} input[type=file]`).attr('accept')).toBe('image/*,application/pdf');
    // the read is traced
    const traces = await t.ctx.knex('household_access_events').where({ person_id: h.personId, action: 'household.documents.list' });
    expect(traces.length).toBeGreaterThan(0);
  });

  it('keeps a PDF and a photo sent together, on the request, marked as sent by the household, and tells the landlord and the instructor', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const res = await send(agent, askId, [
      [PDF, 'avis impôt 2025.pdf'],
      [JPEG, 'fiche de paie.jpg'],
    ]);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/mon-espace/documents#demande-${askId}`);
    const uploads = await uploadsOf(id);
    expect(uploads.map((u) => u.filename).sort()).toEqual(['avis impôt 2025.pdf', 'fiche de paie.jpg']);
    expect(uploads.every((u) => u.uploaded_by === null && u.uploaded_by_person_id === h.personId)).toBe(true);
    expect(await flash(agent)).toContain('Bien reçu');
    // the timeline and the audit trail, with the household as author
    const events = await t.ctx.knex('request_events').where({ request_id: id, kind: 'message' }).whereLike('message', 'Document envoyé par le ménage%');
    expect(events).toHaveLength(2);
    expect(events[0].actor_label).toBe('Ménage — Lucie G.');
    const audits = await t.ctx.knex('audit_events').where({ entity_id: id, action: 'document.received' });
    expect(audits).toHaveLength(2);
    expect(audits.every((a) => a.actor_user_id === null && String(a.actor_label).startsWith('Ménage — '))).toBe(true);
    // one mail per sending to the landlord who filed it and to its instructor
    const mails = await t.ctx
      .knex('mail_outbox')
      .where({ kind: 'request.household_files' })
      .whereLike('text_body', '%envoyé 2 fichiers%')
      .where('subject', 'like', '%le ménage a envoyé des documents');
    expect(mails.map((m) => m.to_address).sort()).toEqual([t.world.users.instructorA.email, t.world.users.operator.email].sort());
    expect((await t.ctx.knex('household_document_requests').where({ id: askId }).first()).answered_at).not.toBeNull();

    // the landlord sees them among the files to classify, the operator too
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const pieces = $((await landlord.get(`/demandes/${id}?onglet=pieces`)).text);
    expect(pieces('#a-classer').text()).toContain('avis impôt 2025.pdf');
    expect(pieces('#a-classer').text()).toContain('envoyé par le ménage');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const seen = $((await operator.get(`/demandes/${id}?onglet=pieces`)).text);
    expect(seen('#recus').text()).toContain('fiche de paie.jpg');
    expect(seen('#recus').text()).toContain('envoyé par le ménage');

    // the household finds them in its documents and downloads them (a traced read)
    const list = $((await agent.get('/mon-espace/documents')).text);
    const link = list('a[href^="/mon-espace/documents/fichiers/"]')
      .filter((_i, e) => list(e).text() === 'avis impôt 2025.pdf')
      .attr('href');
    expect(link).toBeDefined();
    const file = await download(agent, link!);
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body, PDF)).toBe(0);
    expect(await t.ctx.knex('household_access_events').where({ person_id: h.personId, action: 'household.document.download' })).not.toHaveLength(0);
  });

  it('refuses a file that is not a photo or a PDF, and one over 10 MB, keeping the good one of the same sending', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const big = Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]);
    const res = await send(agent, askId, [
      [Buffer.from('MZ not a document'), 'facture.pdf'],
      [big, 'scan énorme.pdf'],
      [JPEG, 'quittance.jpg'],
    ]);
    expect(res.status).toBe(302);
    expect((await uploadsOf(id)).map((u) => u.filename)).toEqual(['quittance.jpg']);
    const said = await flash(agent);
    expect(said).toContain('« facture.pdf » — ce n’est ni une photo');
    expect(said).toContain('« scan énorme.pdf » — il dépasse 10 Mo');
    expect(said).toContain('Bien reçu : « quittance.jpg »');
  });

  it('keeps the files received before a sending broke midway, nothing half-written, and no error page', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const token = await csrfToken(agent, '/mon-espace/documents');
    const boundary = '----entraideBoundary7MA4YWxk';
    const part = (headers: string, body: Buffer | string) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n')]);
    const body = Buffer.concat([
      part('Content-Disposition: form-data; name="_csrf"', token),
      part('Content-Disposition: form-data; name="files"; filename="page1.pdf"\r\nContent-Type: application/pdf', PDF),
      // the second file is cut: the phone lost its network (no end, no closing boundary)
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="page2.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      JPEG.subarray(0, 10),
    ]);
    const blobsBefore = Number((await t.ctx.knex('blobs').count('* as c'))[0]!.c);
    const res = await agent.post(`/mon-espace/documents/${askId}/envoyer`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(body);
    expect(res.status).toBe(302);
    expect((await uploadsOf(id)).map((u) => u.filename)).toEqual(['page1.pdf']);
    // one blob only: the cut file left nothing behind
    expect(Number((await t.ctx.knex('blobs').count('* as c'))[0]!.c)).toBe(blobsBefore + 1);
    const said = await flash(agent);
    expect(said).toContain('Bien reçu : « page1.pdf »');
    expect(said).toContain('L’envoi s’est interrompu');
  });

  it('tells the landlord and the instructor once per quarter of an hour, however the files come', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const reference = (await t.ctx.knex('aid_requests').where({ id }).first()).reference as string;
    const arrivals = async () => (await t.ctx.knex('mail_outbox').where({ kind: 'request.household_files' }).whereLike('subject', `%${reference}%`)).length;
    await send(agent, askId, [[PDF, 'page 1.pdf']]);
    await send(agent, askId, [[JPEG, 'page 2.jpg']]);
    expect(await arrivals()).toBe(2); // the landlord and the instructor, once
    t.ctx.clock.advanceMinutes(16);
    try {
      await send(agent, askId, [[JPEG, 'page 3.jpg']]);
      expect(await arrivals()).toBe(4);
    } finally {
      t.ctx.clock.set(new Date('2026-11-23T09:00:00.000Z'));
    }
    expect((await uploadsOf(id)).map((u) => u.filename)).toEqual(['page 1.pdf', 'page 2.jpg', 'page 3.jpg']);
    // the page loads its small script (files sent one by one when JavaScript runs), served from public/
    const page = (await agent.get('/mon-espace/documents')).text;
    expect(page).toContain('<script src="/public/js/household-documents.js" defer></script>');
    expect((await agent.get('/public/js/household-documents.js')).status).toBe(200);
  });

  it('answers odd sendings without an error page: a NUL in a file name, more than 10 files, odd fields', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const token = await csrfToken(agent, '/mon-espace/documents');
    const boundary = '----entraideOdd';
    const raw = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a\u0000b.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      PDF,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const nul = await agent.post(`/mon-espace/documents/${askId}/envoyer`).set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(raw);
    expect(nul.status).toBeLessThan(500);
    const eleven = await send(
      agent,
      askId,
      Array.from({ length: 11 }, (_v, i): [Buffer, string] => [PDF, `page ${i + 1}.pdf`]),
    );
    expect(eleven.status).toBe(302);
    expect(await flash(agent)).toContain('10 fichiers au plus par envoi');
    const odd = await agent
      .post(`/mon-espace/documents/${askId}/envoyer`)
      .field('_csrf', await csrfToken(agent, '/mon-espace/documents'))
      .field('a[__proto__]', 'x')
      .field('x'.repeat(300), 'y'.repeat(20_000));
    expect(odd.status).toBeLessThan(500);
    // nothing with a control character was kept; what was kept is at most the first ten pages
    const kept = (await uploadsOf(id)).map((u) => u.filename as string);
    expect(kept.some((f) => f.includes('\u0000'))).toBe(false);
    expect(kept.length).toBeLessThanOrEqual(10);
  });

  it('refuses a sending without its CSRF token, keeping nothing', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const agent = await householdAgent(t.ctx, h.personId);
    const res = await agent.post(`/mon-espace/documents/${askId}/envoyer`).field('_csrf', 'forged').attach('files', PDF, 'a.pdf');
    expect(res.status).toBe(403);
    expect(await uploadsOf(id)).toHaveLength(0);
  });

  it('never lets another household see, download or send for what is not its own (404)', async () => {
    const h = await freshHousehold();
    const id = await reviewedRequest(h.householdId);
    const askId = await askHousehold(id);
    const a = await householdAgent(t.ctx, h.personId);
    await send(a, askId, [[PDF, 'mon avis.pdf']]);
    const fileId = (await uploadsOf(id))[0]!.id as string;
    const b = await householdAgent(t.ctx, holderB);
    expect((await b.get(`/mon-espace/documents/fichiers/${fileId}`)).status).toBe(404);
    expect((await b.get('/mon-espace/documents/fichiers/not-a-uuid')).status).toBe(404);
    expect((await send(b, askId, [[PDF, 'intrus.pdf']])).status).toBe(404);
    expect((await uploadsOf(id)).map((u) => u.filename)).toEqual(['mon avis.pdf']);
    const page = (await b.get('/mon-espace/documents')).text;
    expect(page).not.toContain('mon avis.pdf');
    expect(page).not.toContain(askId);
    void householdB;
  });
});

const askHousehold = (requestId: string) => ask(t, requestId);
const freshHousehold = () => fresh(t);
const uploadsOf = (requestId: string) => uploads(t, requestId);

/** A request of a household of landlord A under review, filed by instructorA, assigned to the operator. */
async function reviewedRequest(householdId = householdA): Promise<string> {
  return insertRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId,
    aidTypeId: aqId,
    createdBy: t.world.users.instructorA.id,
    status: 'in_review',
    assignedTo: t.world.users.operator.id,
  });
}
