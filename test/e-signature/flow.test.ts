import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertDraftRequest } from '../factories/request';
import { householdAgent } from '../support/household';
import { $, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { urls } from '../../src/urls';
import { mailedSignatureCode, pdfsig, pdfText } from './helpers';

/**
 * Issue 17: the landlord asks the household to sign its consent online; the person reads the
 * text in their space, ticks their agreement, types the code mailed to them; the signed PDF and the
 * evidence are downloadable by the household, the landlord and the association. Real app, real
 * database, real outbox, real PDF tools.
 */
const t = useWorld();
let aidTypeId: string;
let holderA: string;
let householdA: string;
let holderB: string;
const EMAIL_A = 'lucie.garnier@exemple.fr';

beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
  holderA = await insertPerson(t.ctx.knex, { lastName: 'Garnier', firstNames: 'Lucie', email: EMAIL_A });
  householdA = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: holderA, relationship: 'holder' }] })).id;
  holderB = await insertPerson(t.ctx.knex, { lastName: 'Benali', firstNames: 'Karim', email: 'karim.benali@exemple.fr' });
  await insertHousehold(t.ctx.knex, t.world.landlordB.id, { members: [{ personId: holderB, relationship: 'holder' }] });
});

const draft = () =>
  insertDraftRequest(t.ctx.knex, { organisationId: t.world.landlordA.id, householdId: householdA, aidTypeId, createdBy: t.world.users.instructorA.id });

/** The landlord chooses « Le ménage signe en ligne » for a person of household A. */
async function askOnline(requestId: string, personId = holderA) {
  const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
  const res = await postForm(landlord, urls.requestConsentOnline(requestId), { signataire: personId }, urls.requestConsent(requestId));
  if (res.status !== 302) throw new Error(`asking the signature: ${res.status} ${res.text.slice(0, 3000)}`);
  return landlord;
}

async function askCode(agent: Awaited<ReturnType<typeof householdAgent>>, requestId: string, email = EMAIL_A) {
  const res = await postForm(agent, urls.householdConsentCode(requestId), { accord: 'on' }, urls.householdConsent(requestId));
  expect(res.status).toBe(302);
  return mailedSignatureCode(t.ctx.knex, email);
}

let freshCount = 0;
/** A household of landlord A with its own holder (own e-mail, own household-space session), a draft asked to be signed online. */
async function freshSigner() {
  freshCount += 1;
  const email = `signataire${freshCount}@exemple.fr`;
  const personId = await insertPerson(t.ctx.knex, { lastName: `Signataire${freshCount}`, firstNames: 'Nina', email });
  const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId, relationship: 'holder' }] })).id;
  const requestId = await insertDraftRequest(t.ctx.knex, {
    organisationId: t.world.landlordA.id,
    householdId,
    aidTypeId,
    createdBy: t.world.users.instructorA.id,
  });
  await askOnline(requestId, personId);
  const agent = await householdAgent(t.ctx, personId);
  return { email, personId, requestId, agent };
}

const signatureOf = async (requestId: string) => t.ctx.knex('consent_signatures').where({ request_id: requestId }).orderBy('created_at', 'desc').first();

describe('the whole signature', () => {
  let requestId: string;
  let landlord: Awaited<ReturnType<typeof loginAs>>;
  let agent: Awaited<ReturnType<typeof householdAgent>>;

  beforeAll(async () => {
    requestId = await draft();
  });

  test('the landlord’s consent step offers « Le ménage signe en ligne »; choosing it sends the personal link and the draft waits', async () => {
    const before = Number((await t.ctx.knex('mail_outbox').where({ to_address: EMAIL_A, kind: 'household.link' }).count('* as c'))[0]!.c);
    landlord = await askOnline(requestId);
    const page = await landlord.get(urls.requestConsent(requestId));
    expect(page.status).toBe(200);
    expect($(page.text)('#signature-en-ligne').text()).toContain('Signature demandée à Lucie Garnier');
    const sig = await signatureOf(requestId);
    expect(sig.status).toBe('pending');
    expect(sig.document_sha256).toMatch(/^[0-9a-f]{64}$/);
    const after = Number((await t.ctx.knex('mail_outbox').where({ to_address: EMAIL_A, kind: 'household.link' }).count('* as c'))[0]!.c);
    expect(after).toBe(before + 1);
    expect(await t.ctx.knex('audit_events').where({ entity_id: requestId, action: 'request.consent_signature_requested' })).toHaveLength(1);
  });

  test('the household reads the text on the page and as a PDF', async () => {
    const actor = { personId: holderA, householdId: householdA, organisationId: t.world.landlordA.id, label: 'Lucie G.', linkId: 'x' };
    expect(await t.ctx.services.consentSignatures.pendingFor(actor)).toEqual([{ requestId, aidLabel: expect.any(String), reference: null }]);
    agent = await householdAgent(t.ctx, holderA);
    const page = await agent.get(urls.householdConsent(requestId));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Pourquoi nous utilisons vos données');
    expect(page.text).toContain('Bailleur Alpha');
    const pdf = await download(agent, urls.householdConsentText(requestId));
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdfText(pdf.body)).toContain('Vos droits');
  });

  test('without ticking « J’ai lu et je suis d’accord » no code is sent', async () => {
    const res = await postForm(agent, urls.householdConsentCode(requestId), {}, urls.householdConsent(requestId));
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'accord')).toContain('Cochez');
    expect(await t.ctx.knex('mail_outbox').where({ to_address: EMAIL_A, kind: 'consent.signature_code' })).toHaveLength(0);
  });

  test('a wrong code is refused and counted; the right one signs', async () => {
    const code = await askCode(agent, requestId);
    const page = await agent.get(urls.householdConsent(requestId));
    expect(page.text).toContain('l•••@exemple.fr');
    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await postForm(agent, urls.householdConsentSign(requestId), { code: wrong }, urls.householdConsent(requestId));
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'code')).toContain('n’est pas le bon');
    expect($(refused.text)('#code').val()).toBe(wrong);
    expect((await signatureOf(requestId)).code_attempts).toBe(1);
    const signed = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
    expect(signed.status).toBe(302);
    const sig = await signatureOf(requestId);
    expect(sig.status).toBe('signed');
    expect(sig.code_hash).toBeNull();
    const request = await t.ctx.knex('aid_requests').where({ id: requestId }).first();
    expect(request.consent).toMatchObject({ method: 'e_signature', date: '2026-11-23', noticeVersion: 'consentement-v1', signatureId: sig.id });
    const events = await t.ctx.knex('request_events').where({ request_id: requestId, kind: 'consent' });
    expect(events.map((e) => e.message)).toEqual(['Consentement signé électroniquement par Lucie Garnier']);
    expect(await t.ctx.knex('audit_events').where({ entity_id: requestId, action: 'request.consent_signed' })).toHaveLength(1);
  });

  test('the signed PDF is valid for pdfsig and the evidence tells each step, chained', async () => {
    const sig = await signatureOf(requestId);
    const doc = await download(agent, urls.householdConsentFile(requestId, sig.id, 'document.pdf'));
    expect(doc.status).toBe(200);
    const report = pdfsig(doc.body);
    expect(report).toContain('Signature is Valid');
    expect(report).toContain('Entraide — association (démonstration)');
    expect(pdfText(doc.body)).toContain(sig.document_sha256);
    const json = await download(agent, urls.householdConsentFile(requestId, sig.id, 'preuve.json'));
    const evidence = JSON.parse(json.body.toString('utf8'));
    expect(evidence.document.sha256).toBe(sig.document_sha256);
    expect(evidence.signer).toMatchObject({ name: 'Lucie Garnier', personId: holderA, householdId: householdA, requestId });
    expect(evidence.code).toMatchObject({ channel: 'email', sentTo: 'l•••@exemple.fr' });
    expect(evidence.code.sentAt).toBeTruthy();
    expect(evidence.code.checkedAt).toBeTruthy();
    expect(evidence.client.ip).toBeTruthy();
    expect(evidence.textVersion).toBe('consentement-v1');
    expect(evidence.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['requested', 'viewed', 'document_downloaded', 'agreed', 'code_sent', 'code_failed', 'signed']),
    );
    expect(evidence.chain).toMatchObject({ valid: true });
    const pdf = await download(agent, urls.householdConsentFile(requestId, sig.id, 'preuve.pdf'));
    const text = pdfText(pdf.body);
    expect(text).toContain('Fichier de preuve');
    expect(text).toContain('Chaîne intègre');
    expect(text).toContain('Code erroné');
  });

  test('the landlord and the association download the files; landlord B gets 404; the request reads « signé électroniquement »', async () => {
    const sig = await signatureOf(requestId);
    const file = urls.requestConsentSignatureFile(requestId, sig.id, 'document.pdf');
    expect((await download(landlord, file)).status).toBe(200);
    const step = await landlord.get(urls.requestConsent(requestId));
    expect($(step.text)('#signature-en-ligne').text()).toContain('Consentement signé électroniquement le 23/11/2026 à 10:00');
    const page = await landlord.get(urls.request(requestId));
    expect(page.text).toContain('signé électroniquement le 23/11/2026 à 10:00');
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get(file)).status).toBe(404);
    expect((await landlord.get(urls.requestConsentSignatureFile(requestId, sig.id, 'autre.pdf'))).status).toBe(404);
    expect((await landlord.get(urls.requestConsentSignatureFile(requestId, '00000000-0000-4000-8000-000000000000', 'document.pdf'))).status).toBe(404);
  });

  test('another household reaching this request’s consent gets 404', async () => {
    const other = await householdAgent(t.ctx, holderB);
    const sig = await signatureOf(requestId);
    expect((await other.get(urls.householdConsent(requestId))).status).toBe(404);
    expect((await other.get(urls.householdConsentFile(requestId, sig.id, 'document.pdf'))).status).toBe(404);
    expect(
      (
        await postForm(
          other,
          urls.householdConsentCode(requestId),
          { accord: 'on' },
          urls.householdConsent(requestId).replace(requestId, '00000000-0000-4000-8000-000000000000'),
        )
      ).status,
    ).toBe(404);
  });

  test('withdrawing asks for a confirmation, then is recorded, audited, shown, and the instructor is told', async () => {
    const refused = await postForm(agent, urls.householdConsentWithdraw(requestId), {}, urls.householdConsentWithdraw(requestId));
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'confirmation')).toContain('Cochez');
    const res = await postForm(agent, urls.householdConsentWithdraw(requestId), { confirmation: 'oui' }, urls.householdConsentWithdraw(requestId));
    expect(res.status).toBe(302);
    const sig = await signatureOf(requestId);
    expect(sig.status).toBe('withdrawn');
    expect((await t.ctx.knex('aid_requests').where({ id: requestId }).first()).consent).toBeNull();
    expect(await t.ctx.knex('audit_events').where({ entity_id: requestId, action: 'request.consent_withdrawn' })).toHaveLength(1);
    const mail = await t.ctx.knex('mail_outbox').where({ kind: 'consent.withdrawn' }).first();
    expect(mail.to_address).toBe('contact@entraide.local'); // no instructor yet: the association's address
    expect(mail.text_body).toContain('Lucie Garnier a retiré son accord');
    const page = await landlord.get(urls.request(requestId));
    expect(page.text).toContain('Consentement retiré le 23/11/2026');
    expect(page.text).toContain('Consentement retiré par Lucie Garnier');
    const json = await download(landlord, urls.requestConsentSignatureFile(requestId, sig.id, 'preuve.json'));
    const evidence = JSON.parse(json.body.toString('utf8'));
    expect(evidence.status).toBe('withdrawn');
    expect(evidence.events.at(-1).kind).toBe('withdrawn');
    expect(evidence.chain.valid).toBe(true);
  });

  test('the chain of events is verified from the database; a changed row breaks it', async () => {
    const sig = await signatureOf(requestId);
    expect(await t.ctx.services.consentSignatures.verify(sig.id)).toMatchObject({ valid: true });
    // the table refuses changes (append-only); an attacker with the database owner's rights goes around it
    await expect(
      t.ctx
        .knex('consent_signature_events')
        .where({ signature_id: sig.id, seq: 2 })
        .update({ data: JSON.stringify({}) }),
    ).rejects.toThrow();
    await t.ctx.knex.raw('alter table consent_signature_events disable trigger consent_signature_events_no_update_delete');
    await t.ctx
      .knex('consent_signature_events')
      .where({ signature_id: sig.id, seq: 2 })
      .update({ occurred_at: new Date('2026-11-22T09:00:00Z') });
    await t.ctx.knex.raw('alter table consent_signature_events enable trigger consent_signature_events_no_update_delete');
    expect(await t.ctx.services.consentSignatures.verify(sig.id)).toMatchObject({ valid: false, brokenAt: 2 });
  });
});

describe('code rules through the pages', () => {
  test('an expired code is refused: a new code must be asked, which then signs', async () => {
    const { requestId, agent, email } = await freshSigner();
    const code = await askCode(agent, requestId, email);
    t.ctx.clock.advanceMinutes(10.02);
    const res = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'code')).toContain('a expiré');
    const again = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
    expect(fieldError(again.text, 'code')).toContain('Demandez d’abord un code');
    const fresh = await askCode(agent, requestId, email);
    expect((await postForm(agent, urls.householdConsentSign(requestId), { code: fresh }, urls.householdConsent(requestId))).status).toBe(302);
    expect((await signatureOf(requestId)).status).toBe('signed');
  });

  test('5 wrong codes block the code, even the right one; a new code works again', async () => {
    const { requestId, agent, email } = await freshSigner();
    const code = await askCode(agent, requestId, email);
    const wrong = code === '999999' ? '888888' : '999999';
    for (let i = 1; i <= 5; i++) {
      const res = await postForm(agent, urls.householdConsentSign(requestId), { code: wrong }, urls.householdConsent(requestId));
      expect(res.status).toBe(400);
      if (i === 5) expect(fieldError(res.text, 'code')).toContain('ne marche plus');
    }
    const right = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
    expect(right.status).toBe(400);
    expect(fieldError(right.text, 'code')).toContain('Demandez un nouveau code');
    const sig = await signatureOf(requestId);
    expect(sig.status).toBe('pending');
    expect(sig.code_attempts).toBe(5);
    const kinds = (await t.ctx.knex('consent_signature_events').where({ signature_id: sig.id }).orderBy('seq')).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'code_failed')).toHaveLength(5);
    expect(kinds).toContain('code_blocked');
    t.ctx.clock.advanceMinutes(1.02);
    const fresh = await askCode(agent, requestId, email);
    expect((await postForm(agent, urls.householdConsentSign(requestId), { code: fresh }, urls.householdConsent(requestId))).status).toBe(302);
  });

  test('a new code is refused within a minute of the previous one (no mail flood)', async () => {
    const { requestId, agent, email } = await freshSigner();
    await askCode(agent, requestId, email);
    const res = await postForm(agent, urls.householdConsentCode(requestId), { accord: 'on' }, urls.householdConsent(requestId));
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'accord')).toContain('attendez une minute');
  });

  test('odd input never causes a 500: NUL bytes, huge values, arrays, odd keys', async () => {
    const { requestId, agent } = await freshSigner();
    for (const body of [{ code: '12\u00003456' }, { code: 'x'.repeat(100_000) }, { 'code[]': '123456' }, { code: '' }, { 'accord[a]': 'on', __proto__: 'x' }]) {
      const res = await postForm(agent, urls.householdConsentSign(requestId), body as unknown as Record<string, string>, urls.householdConsent(requestId));
      expect([400, 413]).toContain(res.status);
    }
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    for (const signataire of ['x\u0000'.repeat(1000), 'y'.repeat(100_000), '00000000-0000-4000-8000-000000000000']) {
      const res = await postForm(landlord, urls.requestConsentOnline(requestId), { signataire }, urls.requestConsent(requestId));
      expect([302, 400, 413]).toContain(res.status);
    }
    const res = await postForm(landlord, urls.requestConsentOnline(requestId), { signataire: 'pas-un-identifiant' }, urls.requestConsent(requestId));
    expect(res.status).toBe(302);
    expect((await landlord.get(urls.requestConsent(requestId))).text).toContain('Choisissez la personne du ménage qui signe');
  });

  test.each([
    ['New Year’s Eve, 23:50 UTC', '2026-12-31T23:50:00Z', '2027-01-01', '01/01/2027 à 00:50'],
    ['Sunday night, before the change to summer time', '2027-03-28T00:30:00Z', '2027-03-28', '28/03/2027 à 01:30'],
    ['just after the change to summer time', '2027-03-28T01:30:00Z', '2027-03-28', '28/03/2027 à 03:30'],
  ])('signed on %s: the consent’s date and time are Paris’s', async (_label, at, date, shown) => {
    t.ctx.clock.set(new Date(at));
    const { requestId, agent, email } = await freshSigner();
    const code = await askCode(agent, requestId, email);
    expect((await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId))).status).toBe(302);
    expect((await t.ctx.knex('aid_requests').where({ id: requestId }).first()).consent.date).toBe(date);
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    expect((await landlord.get(urls.request(requestId))).text).toContain(`signé électroniquement le ${shown}`);
    expect((await agent.get(urls.householdConsent(requestId))).text).toContain(`Accord signé le ${shown}`);
  });

  test('a person without an e-mail cannot be asked to sign online', async () => {
    const noEmail = await insertPerson(t.ctx.knex, { lastName: 'Sansmail', firstNames: 'Paul' });
    const household = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: noEmail, relationship: 'holder' }] })).id;
    const requestId = await insertDraftRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: household,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
    });
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const res = await postForm(landlord, urls.requestConsentOnline(requestId), { signataire: noEmail }, urls.requestConsent(requestId));
    expect(res.status).toBe(302);
    const page = await landlord.get(urls.requestConsent(requestId));
    expect(page.text).toContain('n’a pas d’adresse électronique');
    expect(await t.ctx.knex('consent_signatures').where({ request_id: requestId })).toHaveLength(0);
  });
});

describe('the text sealed is the text given', () => {
  test('a text that changed since it was sent (the landlord renamed) is not signed: the person is told, nothing is sealed', async () => {
    const { email, requestId, agent } = await freshSigner();
    const code = await askCode(agent, requestId, email);
    const before = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first<{ name: string }>('name')).name;
    await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).update({ name: 'Bailleur Alpha Habitat' });
    try {
      const refused = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('Le texte de l’accord a changé');
      expect((await signatureOf(requestId)).status).toBe('pending');
    } finally {
      await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).update({ name: before });
    }
    const signed = await postForm(agent, urls.householdConsentSign(requestId), { code }, urls.householdConsent(requestId));
    expect(signed.status).toBe(302);
    expect((await signatureOf(requestId)).status).toBe('signed');
  });
});
