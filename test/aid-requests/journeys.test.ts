import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { insertAidTypes } from '../../seeds/demo';
import { JOBS } from '../../src/jobs/registry';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold, insertPerson } from '../factories/household';
import { startTestApp, type TestContext } from '../support/app';
import { cipherOf } from '../support/encryption';
import { MANDATORY, PDF, fileRequest, pageVersion } from '../support/filing';
import { $, csrfToken, fieldError, loginAs, postForm, type Agent, download } from '../support/http';
import { decodeBody, startSmtpServer, type ReceivedMail } from '../support/smtp';

/**
 * The whole life of a request per demo aid type, over HTTP and a real SMTP server: filed by the
 * landlord, taken, information asked and answered with a file, decision proposed (validated by a
 * second person above the aid's threshold), letter and mail, payments scheduled.
 */
let ctx: TestContext;
let world: World;
let smtp: { port: number; mails: ReceivedMail[]; stop(): Promise<void> };
const types: Record<string, string> = {};

beforeAll(async () => {
  smtp = await startSmtpServer();
  ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  world = await buildWorld(ctx.knex);
  await insertAidTypes(ctx.knex);
  for (const t of await ctx.knex('aid_types').select('id', 'code')) types[t.code] = t.id;
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});

async function household(lastName: string, o: { salaryCents?: number; employmentStatus?: string } = {}): Promise<string> {
  const holder = await insertPerson(ctx.knex, { lastName, firstNames: 'Camille', salaryCents: o.salaryCents ?? 120000, employmentStatus: o.employmentStatus });
  return (await insertHousehold(ctx.knex, world.landlordA.id, { members: [{ personId: holder }] })).id;
}

const row = (id: string) => ctx.knex('aid_requests').where({ id }).first();
/** Mails to a person about one request (its link is in the body), whose text matches. */
const mailsTo = (email: string, subject: RegExp, requestId: string) =>
  smtp.mails.filter((m) => m.to.includes(email) && subject.test(decodeBody(m.raw)) && decodeBody(m.raw).includes(`/demandes/${requestId}`));
const flash = async (agent: Agent, url: string) => $((await agent.get(url)).text)('.alert-danger, .alert-success').text();

/** Posts a form of the request page with the page's current version. */
async function act(agent: Agent, id: string, action: string, fields: Record<string, string>) {
  return postForm(agent, `/demandes/${id}/${action}`, { version: await pageVersion(agent, `/demandes/${id}`), ...fields }, `/demandes/${id}`);
}

function pdfText(data: Buffer): string {
  const file = path.join(os.tmpdir(), `letter-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(file, data);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.unlinkSync(file);
  }
}

const JOURNEYS: Array<{
  code: string;
  amount: string;
  months: string;
  situation: Record<string, string>;
  twoLevels: boolean;
  instalments: number;
  grantedCents: number;
}> = [
  { code: 'AQ', amount: '2 400', months: '6', situation: { cause: 'job_loss' }, twoLevels: true, instalments: 6, grantedCents: 240000 },
  {
    code: 'AE',
    amount: '350',
    months: '',
    situation: { cause: 'income_drop', chargesRegularisation: '1 200' },
    twoLevels: false,
    instalments: 1,
    grantedCents: 35000,
  },
  {
    code: 'AD',
    amount: '3 000',
    months: '',
    situation: { cause: 'job_loss', arrears: '3 100', arrearsMonths: '5' },
    twoLevels: true,
    instalments: 1,
    grantedCents: 300000,
  },
];

describe.each(JOURNEYS)('the journey of a $code request', (j) => {
  it('goes from filing to payments scheduled, with letter and mails', async () => {
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const id = await fileRequest(landlord, {
      householdId: await household(`Journee${j.code}`),
      aidTypeId: types[j.code] as string,
      situation: j.situation,
      amount: j.amount,
      months: j.months,
      documents: MANDATORY[j.code],
    });
    expect((await row(id)).status).toBe('submitted');

    // the operator takes it from "À prendre"
    expect($((await operator.get('/instruction')).text)('tbody').text()).toContain((await row(id)).reference);
    expect((await act(operator, id, 'attribuer', {})).status).toBe(302);
    expect(await row(id)).toMatchObject({ status: 'in_review', assigned_to: world.users.operator.id });

    // information asked: the landlord is told by mail and answers with a document
    expect((await act(operator, id, 'demander-informations', { information: 'Merci de joindre le dernier avis d’échéance.' })).status).toBe(302);
    expect((await row(id)).status).toBe('awaiting_information');
    expect(mailsTo(world.users.instructorA.email, /a besoin d’informations complémentaires/, id)).toHaveLength(1);
    const echanges = $((await landlord.get(`/demandes/${id}?onglet=echanges`)).text);
    expect(echanges('.message').text()).toContain('Merci de joindre le dernier avis d’échéance.');
    const token = await csrfToken(landlord, `/demandes/${id}?onglet=echanges`);
    const answer = await landlord
      .post(`/demandes/${id}/repondre`)
      .field('_csrf', token)
      .field('version', String((await row(id)).version))
      .field('message', 'Voici l’avis d’échéance de novembre.')
      .attach('files', PDF, 'avis échéance.pdf');
    expect(answer.status).toBe(302);
    expect((await row(id)).status).toBe('in_review');
    expect(mailsTo(world.users.operator.email, /a répondu à votre demande d’informations/, id)).toHaveLength(1);
    const attachment = await ctx.knex('request_attachments').where({ request_id: id }).first();
    expect(attachment.filename).toBe('avis échéance.pdf');
    expect((await operator.get(`/demandes/${id}/pieces-jointes/${attachment.id}`)).status).toBe(200);
    expect($((await operator.get('/instruction?onglet=mes_dossiers')).text)('tbody').text()).toContain('réponse reçue');

    // the decision: above the aid's threshold it waits for a second person
    expect(
      (await act(operator, id, 'proposer', { kind: 'grant', amount: j.amount, instalments: String(j.instalments), firstDueDate: '2026-12-05' })).status,
    ).toBe(302);
    if (j.twoLevels) {
      expect((await row(id)).status).toBe('in_review');
      const pending = await ctx.knex('decisions').where({ request_id: id, status: 'pending' }).first();
      expect(pending).toMatchObject({ kind: 'grant', amount_cents: String(j.grantedCents), needs_validation: true, proposed_by: world.users.operator.id });
      // the proposer cannot validate their own proposal
      const self = await act(operator, id, 'valider', { outcome: 'approve' });
      expect(self.status).toBe(403);
      expect($(self.text)('main').text()).toContain('Vous ne pouvez pas valider votre propre proposition');
      const admin = await loginAs(ctx.app, world.users.admin.email);
      expect($((await admin.get('/instruction?onglet=a_valider')).text)('tbody').text()).toContain((await row(id)).reference);
      expect((await act(admin, id, 'valider', { outcome: 'approve', validationComment: 'Vu, conforme.' })).status).toBe(302);
      expect(await ctx.knex('decisions').where({ request_id: id }).first()).toMatchObject({ status: 'applied', validated_by: world.users.admin.id });
    }
    const decided = await row(id);
    expect(decided).toMatchObject({ status: 'granted', granted_cents: String(j.grantedCents) });

    // payments scheduled, in cents, summing exactly to the grant
    const payments = await ctx.knex('payments').where({ request_id: id }).orderBy('instalment');
    expect(payments).toHaveLength(j.instalments);
    expect(payments.reduce((s, p) => s + Number(p.amount_cents), 0)).toBe(j.grantedCents);
    // the IBAN is stored encrypted: it reads back whole through the key, never as plain text in the row
    expect(
      payments.every(
        (p) =>
          p.status === 'scheduled' &&
          p.payee_iban.startsWith('enc:v1:') &&
          cipherOf(ctx.services).decrypt(p.payee_iban, 'payments.payee_iban') === 'FR7630006000011234567890189',
      ),
    ).toBe(true);
    expect(payments[0].due_date).toBe('2026-12-05');
    if (j.instalments > 1) expect(payments[1].due_date).toBe('2027-01-05');

    // the landlord's instructor received the decision mail; the letter is on the request
    const mail = mailsTo(world.users.instructorA.email, /a reçu sa décision/, id);
    expect(mail).toHaveLength(1);
    expect(decodeBody(mail[0]?.raw ?? '')).toContain(`/demandes/${id}`);
    const page = $((await landlord.get(`/demandes/${id}`)).text);
    const letterUrl = page('a:contains("Courrier de décision")').attr('href') as string;
    const letter = await download(landlord, letterUrl);
    expect(letter.headers['content-type']).toBe('application/pdf');
    const text = pdfText(letter.body);
    expect(text).toContain(decided.reference);
    expect(text.replace(/\s+/g, ' ')).toMatch(new RegExp(`accorde une .*${j.amount.replace(' ', '.')},00.€`));
    expect(text).toContain('Claire Martin');
    // the timeline shows the decision to the landlord, never the internal notes and proposals
    expect(page('.timeline').text()).toContain('Accordée');
    expect(page('.timeline').text()).not.toContain('interne');
    expect(await ctx.knex('audit_events').where({ entity_id: id, action: 'request.granted' }).first()).toBeTruthy();
  });
});

describe('decisions', () => {
  async function inReview(lastName: string, code = 'AQ', amount = '1 000', months = '4'): Promise<string> {
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    const id = await fileRequest(landlord, {
      householdId: await household(lastName),
      aidTypeId: types[code] as string,
      amount,
      months,
      documents: MANDATORY[code],
    });
    const operator = await loginAs(ctx.app, world.users.operator.email);
    await act(operator, id, 'attribuer', {});
    return id;
  }

  it('asks for what each decision needs, next to its field, and keeps what was typed', async () => {
    const id = await inReview('Champs');
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const refuse = await act(operator, id, 'proposer', { kind: 'refuse', comment: 'Voir avec le FSL' });
    expect(refuse.status).toBe(400);
    expect(fieldError(refuse.text, 'reasonCode')).toBe('Choisissez le motif du refus');
    expect($(refuse.text)('#comment').text()).toBe('Voir avec le FSL');
    const adjourn = await act(operator, id, 'proposer', { kind: 'adjourn', adjournedUntil: '2026-11-01' });
    expect(fieldError(adjourn.text, 'adjournedUntil')).toBe('La date d’ajournement doit être dans le futur');
    expect(fieldError(adjourn.text, 'comment')).toBe('Précisez ce qui est attendu pendant l’ajournement');
    const over = await act(operator, id, 'proposer', { kind: 'grant', amount: '3 200', instalments: '6', firstDueDate: '2026-12-05' });
    expect(over.status).toBe(400);
    expect(fieldError(over.text, 'amount')).toMatch(/Le montant dépasse le plafond de l’aide : 3\s000,00\s€/);
    expect($(over.text)('#amount').attr('value')).toBe('3 200');
    const months = await act(operator, id, 'proposer', { kind: 'grant', amount: '1 000', instalments: '8', firstDueDate: '2026-12-05' });
    expect(fieldError(months.text, 'instalments')).toContain('entre 1 et 6');
    expect((await row(id)).status).toBe('in_review');
    expect(await ctx.knex('decisions').where({ request_id: id })).toHaveLength(0);
  });

  it('refuses below the threshold at once, with its reason in the letter; a returned proposal goes back to its author', async () => {
    const id = await inReview('Refus', 'AQ', '1 000');
    const operator = await loginAs(ctx.app, world.users.operator.email);
    expect((await act(operator, id, 'proposer', { kind: 'refuse', reasonCode: 'other_solution', comment: 'Le FSL est saisi.' })).status).toBe(302);
    expect((await row(id)).status).toBe('refused');

    const big = await inReview('Retour', 'AQ', '2 800', '6');
    expect((await act(operator, big, 'proposer', { kind: 'grant', amount: '2 800', instalments: '6', firstDueDate: '2026-12-05' })).status).toBe(302);
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const noReason = await act(admin, big, 'valider', { outcome: 'return' });
    expect(fieldError(noReason.text, 'validationComment')).toBe('Expliquez pourquoi la proposition est renvoyée');
    expect((await act(admin, big, 'valider', { outcome: 'return', validationComment: 'Proposer 4 mensualités plutôt que 6.' })).status).toBe(302);
    const returned = await ctx.knex('decisions').where({ request_id: big }).first();
    expect(returned.status).toBe('returned');
    // an internal note: encrypted at rest, read back by the application
    expect(returned.validation_comment).toMatch(/^enc:v1:/);
    expect(cipherOf(ctx.services).decrypt(returned.validation_comment, 'decisions.validation_comment')).toBe('Proposer 4 mensualités plutôt que 6.');
    expect(
      JSON.stringify(await ctx.knex('audit_events').where({ entity_id: big, action: 'request.decision_returned' }).select('before', 'after')),
    ).not.toContain('mensualités');
    expect((await row(big)).status).toBe('in_review');
    const timeline = $((await operator.get(`/demandes/${big}`)).text)('.timeline').text();
    expect(timeline).toContain('Proposition renvoyée à');
    const landlordView = $((await (await loginAs(ctx.app, world.users.instructorA.email)).get(`/demandes/${big}`)).text)('.timeline').text();
    expect(landlordView).not.toContain('Proposition');
  });

  it('adjourns, reopens and closes, each by the association only', async () => {
    const id = await inReview('Ajourne', 'AQ', '800', '2');
    const operator = await loginAs(ctx.app, world.users.operator.email);
    expect((await act(operator, id, 'proposer', { kind: 'adjourn', adjournedUntil: '2027-01-15', comment: 'Attente de la décision FSL.' })).status).toBe(302);
    expect(await row(id)).toMatchObject({ status: 'adjourned', adjourned_until: '2027-01-15' });
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    expect((await postForm(landlord, `/demandes/${id}/reprendre`, { version: String((await row(id)).version) }, `/demandes/${id}`)).status).toBe(403);
    expect((await act(operator, id, 'reprendre', {})).status).toBe(302);
    expect(await row(id)).toMatchObject({ status: 'in_review', adjourned_until: null });
    await act(operator, id, 'proposer', { kind: 'adjourn', adjournedUntil: '2027-02-15', comment: 'Toujours en attente.' });
    expect((await act(operator, id, 'cloturer', {})).status).toBe(302);
    expect((await row(id)).status).toBe('closed');
    expect(await flash(operator, `/demandes/${id}`)).toContain('clôturée');
  });

  it('keeps the database from letting the proposer validate their own decision', async () => {
    const id = await inReview('Contrainte');
    const [d] = await ctx
      .knex('decisions')
      .insert({
        request_id: id,
        kind: 'refuse',
        status: 'pending',
        reason_code: 'other',
        needs_validation: true,
        proposed_by: world.users.operator.id,
        proposed_by_label: 'X',
        proposed_at: new Date(),
      })
      .returning('id');
    await expect(
      ctx
        .knex('decisions')
        .where({ id: (d as { id: string }).id })
        .update({ validated_by: world.users.operator.id }),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      ctx.knex('decisions').insert({
        request_id: id,
        kind: 'refuse',
        status: 'pending',
        reason_code: 'other',
        needs_validation: true,
        proposed_by: world.users.admin.id,
        proposed_by_label: 'Y',
        proposed_at: new Date(),
      }),
    ).rejects.toMatchObject({ code: '23505' });
  });
});

describe('exchanges and private notes', () => {
  it('carries messages with attachments both ways; notes stay inside the association', async () => {
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    const id = await fileRequest(landlord, {
      householdId: await household('Echanges'),
      aidTypeId: types.AQ as string,
      amount: '900',
      months: '3',
      documents: MANDATORY.AQ,
    });
    const operator = await loginAs(ctx.app, world.users.operator.email);
    await act(operator, id, 'attribuer', {});
    expect((await postForm(operator, `/demandes/${id}/notes`, { note: 'Appel du bailleur : reprise d’emploi en janvier.' }, `/demandes/${id}`)).status).toBe(
      302,
    );
    const token = await csrfToken(landlord, `/demandes/${id}?onglet=echanges`);
    const sent = await landlord
      .post(`/demandes/${id}/messages`)
      .field('_csrf', token)
      .field('message', 'Le ménage a retrouvé un emploi.')
      .attach('files', PDF, 'contrat.pdf')
      .attach('files', PDF, 'fiche de paie.pdf');
    expect(sent.status).toBe(302);
    expect(mailsTo(world.users.operator.email, /a écrit un message/, id).length).toBeGreaterThan(0);
    const spoof = await landlord
      .post(`/demandes/${id}/messages`)
      .field('_csrf', token)
      .field('message', 'Programme')
      .attach('files', Buffer.from('MZ\x90\x00program'), 'photo.png');
    expect(spoof.status).toBe(400);
    expect(fieldError(spoof.text, 'files')).toContain('ni un PDF, ni une image JPEG ou PNG');
    expect($(spoof.text)('#message').text()).toBe('Programme');

    const opPage = $((await operator.get(`/demandes/${id}?onglet=echanges`)).text);
    expect(opPage('.message').text()).toContain('Le ménage a retrouvé un emploi.');
    expect(
      opPage('.message a')
        .map((_i, a) => opPage(a).text())
        .get(),
    ).toEqual(['contrat.pdf', 'fiche de paie.pdf']);
    expect($((await operator.get(`/demandes/${id}`)).text)('.timeline').text()).toContain('reprise d’emploi en janvier');

    for (const tab of ['', '?onglet=echanges', '?onglet=historique']) {
      expect((await landlord.get(`/demandes/${id}${tab}`)).text).not.toContain('reprise d’emploi en janvier');
    }
    expect((await postForm(landlord, `/demandes/${id}/notes`, { note: 'x' }, `/demandes/${id}`)).status).toBe(403);
    const other = await loginAs(ctx.app, world.users.adminB.email);
    const attachment = await ctx.knex('request_attachments').where({ request_id: id }).first();
    expect((await other.get(`/demandes/${id}/pieces-jointes/${attachment.id}`)).status).toBe(404);
  });
});

describe('information reminders', () => {
  it('reminds once after the configured delay, from the job, however often it runs', async () => {
    const landlord = await loginAs(ctx.app, world.users.instructorA.email);
    const id = await fileRequest(landlord, {
      householdId: await household('Relance'),
      aidTypeId: types.AQ as string,
      amount: '900',
      months: '3',
      documents: MANDATORY.AQ,
    });
    const operator = await loginAs(ctx.app, world.users.operator.email);
    await act(operator, id, 'attribuer', {});
    await act(operator, id, 'demander-informations', { information: 'Le RIB manque.' });
    const before = mailsTo(world.users.instructorA.email, /ne nous sont pas encore parvenues/, id).length;
    const { instruction, jobs } = ctx.services;
    const reminders = () => ctx.knex('request_events').where({ request_id: id, kind: 'reminder' });
    await instruction.sendInformationReminders(new Date(ctx.clock.now().getTime() + 6 * 86_400_000));
    expect(await reminders()).toHaveLength(0);
    const later = new Date(ctx.clock.now().getTime() + 7 * 86_400_000 + 60_000);
    expect((await instruction.sendInformationReminders(later)).reminded).toBeGreaterThanOrEqual(1);
    expect((await instruction.sendInformationReminders(later)).reminded).toBe(0);
    expect(await reminders()).toHaveLength(1);
    expect(mailsTo(world.users.instructorA.email, /ne nous sont pas encore parvenues/, id).length).toBe(before + 1);
    expect($((await landlord.get(`/demandes/${id}`)).text)('.timeline').text()).toContain('Rappel envoyé au bailleur');
    // the job runs once per day: a second run of the same day is skipped
    const job = JOBS.find((x) => x.name === 'information-reminders');
    expect((await jobs.run(job as NonNullable<typeof job>, ctx.services, 'test', '2026-11-23')).status).toBe('succeeded');
    expect(await jobs.run(job as NonNullable<typeof job>, ctx.services, 'test', '2026-11-23')).toMatchObject({ status: 'skipped' });
    expect(await ctx.knex('job_runs').where({ job: 'information-reminders', period_key: '2026-11-23' })).toHaveLength(1);
  });
});
