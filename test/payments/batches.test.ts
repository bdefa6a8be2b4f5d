import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sepaBatches } from '../../src/jobs/definitions/sepa-batches';
import { validatePain001 } from '../../src/payments/sepa/xsd';
import { buildWorld, type World } from '../factories/world';
import { insertHousehold } from '../factories/household';
import { IBAN, actorOf, grantedRequest, paymentSetup, ribFile } from '../factories/payment';
import { startTestApp, type TestContext } from '../support/app';
import { $, download, fieldError, loginAs, postForm } from '../support/http';
import { withIdentity } from '../support/second-factor';
import { decodeBody, type ReceivedMail, startSmtpServer } from '../support/smtp';

let ctx: TestContext;
let world: World;
let smtp: { port: number; mails: ReceivedMail[]; stop(): Promise<void> };
let setup: { aqId: string; householdId: string };

beforeAll(async () => {
  smtp = await startSmtpServer();
  ctx = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
  world = await buildWorld(ctx.knex);
  setup = await paymentSetup(ctx.services, ctx.knex, world);
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});

/** A grant for a new household of landlord A (each household has its own 12-month ceiling). */
const grant = async (amountCents: number, instalments: number, firstDueDate: string) =>
  grantedRequest(ctx.services, ctx.knex, world, {
    aqId: setup.aqId,
    householdId: (await insertHousehold(ctx.knex, world.landlordA.id)).id,
    amountCents,
    instalments,
    firstDueDate,
  });
const paymentsOf = (requestId: string) => ctx.knex('payments').where({ request_id: requestId }).orderBy(['instalment', 'reissue_no']);
const runJob = (period: string, by: { userId: string | null; label: string } = { userId: null, label: 'Planificateur' }) =>
  ctx.services.jobs.run(sepaBatches, ctx.services, by, period);
const batchesFor = (executionDate: string) => ctx.knex('payment_batches').where({ execution_date: executionDate });
const fileOf = async (batchId: string) => {
  const batch = await ctx.knex('payment_batches').where({ id: batchId }).first();
  return ((await ctx.services.blobs.get(ctx.knex, batch.file_blob_id))?.data ?? Buffer.alloc(0)).toString('utf8');
};

describe('the nightly SEPA batch', () => {
  it('takes the payments due by the next execution date into one XSD-valid file per debtor account, and a second run adds nothing', async () => {
    const requestId = await grant(90000, 3, '2026-11-20');
    const outcome = await runJob('2026-11-20'); // Friday: executed on Monday 23
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { batches: 1, payments: 1, skipped: 0 } });
    const [batch] = await batchesFor('2026-11-23');
    expect(batch).toMatchObject({
      status: 'generated',
      transaction_count: 1,
      control_sum_cents: '30000',
      generated_by: null,
      generated_by_label: 'Planificateur',
    });
    const xml = await fileOf(batch.id);
    expect(await validatePain001(xml)).toEqual({ valid: true, errors: [] });
    const reference = (await ctx.knex('aid_requests').where({ id: requestId }).first()).reference as string;
    expect(xml).toContain(`<EndToEndId>E${reference}-01</EndToEndId>`);
    expect(xml).toContain(`<Ustrd>AIDE ${reference} AQ 11/2026 ECHEANCE 1/3</Ustrd>`);
    expect(xml).toContain(`<IBAN>${IBAN.alpha}</IBAN>`);
    expect((await paymentsOf(requestId)).map((p: { status: string }) => p.status)).toEqual(['batched', 'scheduled', 'scheduled']);
    const run = await ctx.knex('job_runs').where({ job: 'sepa-batches', period_key: '2026-11-20' }).first();
    expect(run.outputs).toEqual([
      expect.objectContaining({ fileName: `${batch.msg_id}.xml`, meta: expect.objectContaining({ batchId: batch.id, transactions: 1, controlSum: '300.00' }) }),
    ]);

    expect(await runJob('2026-11-20')).toMatchObject({ status: 'skipped', reason: 'déjà exécutée pour cette période' });
    expect((await ctx.knex('job_runs').where({ id: run.id }).first()).skipped_count).toBe(1);
    // another night with the same execution date (Saturday 21 → Monday 23) adds no second batch
    const later = await grant(20000, 1, '2026-11-21');
    expect(await runJob('2026-11-21')).toMatchObject({ status: 'succeeded', counts: { batches: 0, skipped: 1 } });
    expect(await batchesFor('2026-11-23')).toHaveLength(1);
    expect((await paymentsOf(later))[0].status).toBe('scheduled');
    // the database holds the rule too: a payment in two live batches is refused
    const item = await ctx.knex('payment_batch_items').where({ batch_id: batch.id }).first();
    await expect(ctx.knex('payment_batch_items').insert({ ...item, id: undefined, end_to_end_id: 'AUTRE' })).rejects.toThrow(
      /payment_batch_items_one_live_uidx|duplicate key/,
    );
    await expect(ctx.knex('payment_batches').where({ id: batch.id }).update({ control_sum_cents: 1 })).rejects.toThrow(/never changes/);
    await expect(ctx.knex('payment_batch_items').where({ batch_id: batch.id }).update({ amount_cents: 1 })).rejects.toThrow(/never changes/);
    await expect(ctx.knex('payment_batches').where({ id: batch.id }).delete()).rejects.toThrow(/never deleted/);
  });

  it('holds the payments of a payee whose new IBAN waits for confirmation, says why, and pays them once it is confirmed', async () => {
    const requestId = await grant(15000, 1, '2026-11-22');
    await ctx.services.payees.submitOwn(
      await actorOf(ctx.knex, world.users.adminA.id),
      { holderName: 'Bailleur Alpha', iban: IBAN.alphaNew, bic: 'BNPAFRPPXXX' },
      ribFile('nouveau-rib.pdf'),
    );
    expect(await runJob('2026-11-24')).toMatchObject({ status: 'succeeded', counts: { batches: 0 } });
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const page = $((await operator.get('/paiements')).text);
    expect(page('#a-venir').parent().text()).toContain('Changement de RIB à confirmer');
    const [pending] = await ctx.services.payees.pendingReviews(await actorOf(ctx.knex, world.users.operator.id));
    await ctx.services.payees.review(await actorOf(ctx.knex, world.users.operator.id), pending!.id, pending!.version, 'confirm', null);
    expect(await runJob('2026-11-25')).toMatchObject({ status: 'succeeded', counts: { batches: 1 } });
    const [batch] = await batchesFor('2026-11-26');
    expect(await fileOf(batch.id)).toContain(`<IBAN>${IBAN.alphaNew}</IBAN>`);
    expect((await paymentsOf(requestId))[0].status).toBe('batched');
  });

  it('never stores a file it cannot make valid: the run fails with a clear French error and nothing changes', async () => {
    await grant(12000, 1, '2026-11-27');
    await ctx.knex('bank_accounts').where({ status: 'confirmed' }).update({ holder_name: '<>' }); // nothing left once converted to the SEPA set
    const outcome = await runJob('2026-11-27');
    expect(outcome).toMatchObject({ status: 'failed' });
    expect((outcome as { error: string }).error).toMatch(/nom vide une fois converti au jeu de caractères SEPA/);
    expect(await batchesFor('2026-11-30')).toHaveLength(0);
    expect(
      await ctx.knex('payment_batch_items').whereIn('batch_id', ctx.knex('payment_batches').where({ execution_date: '2026-11-30' }).select('id')),
    ).toHaveLength(0);
    // fixed, the failed run is run again from the jobs page and gives its batch
    await ctx.knex('bank_accounts').where({ status: 'confirmed' }).update({ holder_name: 'Bailleur Alpha' });
    const admin = await loginAs(ctx.app, world.users.admin.email);
    const jobsPage = $((await admin.get('/admin/taches')).text);
    expect(jobsPage('main').text()).toContain('nom vide');
    const run = await ctx.knex('job_runs').where({ job: 'sepa-batches', period_key: '2026-11-27' }).first();
    expect((await postForm(admin, `/admin/taches/${run.id}/relancer`, {}, '/admin/taches')).status).toBe(302);
    expect(await ctx.knex('job_runs').where({ id: run.id }).first()).toMatchObject({ status: 'succeeded', attempts: 2 });
    // the run's counts read in French
    expect($((await admin.get('/admin/taches')).text)('main').text()).toMatch(/lots : 1, écartés : \d+, virements : 1/);
    const [batch] = await batchesFor('2026-11-30');
    const file = await download(admin, `/admin/taches/${run.id}/fichiers/0`);
    expect(file.status).toBe(200);
    expect(file.body.toString('utf8')).toBe(await fileOf(batch.id));
  });
});

describe('approval, transmission, notices and settlement', () => {
  it('needs a second person to approve, then mails each payee its notice with the PDF, puts the requests in payment and settles them', async () => {
    const requestId = await grant(48000, 1, '2026-11-23');
    const admin = await loginAs(ctx.app, world.users.admin.email);
    expect((await postForm(admin, '/paiements/preparer', {}, '/paiements')).status).toBe(302); // on demand, period 2026-11-23
    const [batch] = await batchesFor('2026-11-24');
    expect(batch).toMatchObject({ generated_by: world.users.admin.id, status: 'generated' });
    const version = String(batch.version);
    // the operator runs payments but does not approve them; the admin prepared this one
    const operator = await loginAs(ctx.app, world.users.operator.email);
    expect((await postForm(operator, `/paiements/lots/${batch.id}/approuver`, withIdentity({ version }), `/paiements/lots/${batch.id}`)).status).toBe(403);
    const ownApproval = await postForm(admin, `/paiements/lots/${batch.id}/approuver`, withIdentity({ version }), `/paiements/lots/${batch.id}`);
    expect(ownApproval.status).toBe(403);
    expect(ownApproval.text).toContain('Vous avez préparé ce lot');
    await expect(ctx.knex('payment_batches').where({ id: batch.id }).update({ status: 'approved', approved_by: world.users.admin.id })).rejects.toThrow(
      /payment_batches_four_eyes/,
    );
    const accountant = await loginAs(ctx.app, world.users.accountant.email);
    expect((await accountant.get(`/paiements/lots/${batch.id}/fichier.xml`)).status).toBe(404); // not before approval
    expect((await postForm(accountant, `/paiements/lots/${batch.id}/approuver`, withIdentity({ version }), `/paiements/lots/${batch.id}`)).status).toBe(302);
    const file = await download(accountant, `/paiements/lots/${batch.id}/fichier.xml`);
    expect(file.headers['content-disposition']).toContain(`${batch.msg_id}.xml`);
    expect((await validatePain001(file.body.toString('utf8'))).valid).toBe(true);
    expect(await ctx.knex('audit_events').where({ entity_id: batch.id, action: 'payment_batch.downloaded' })).toHaveLength(1);

    const before = smtp.mails.length;
    expect(
      (await postForm(accountant, `/paiements/lots/${batch.id}/transmettre`, { version: String(batch.version + 1) }, `/paiements/lots/${batch.id}`)).status,
    ).toBe(302);
    const transmitted = await ctx.knex('payment_batches').where({ id: batch.id }).first();
    expect(transmitted).toMatchObject({ status: 'transmitted', transmitted_by: world.users.accountant.id });
    expect((await ctx.knex('aid_requests').where({ id: requestId }).first()).status).toBe('in_payment');
    expect((await paymentsOf(requestId))[0].status).toBe('sent');
    await new Promise((r) => setTimeout(r, 200));
    const notices = smtp.mails.slice(before).filter((m) => m.to.includes(world.users.adminA.email));
    expect(notices).toHaveLength(1);
    const body = decodeBody(notices[0]!.raw);
    expect(notices[0]!.raw).toMatch(/Subject: =\?UTF-8\?Q\?Avis_de_mise_en_paiement/);
    expect(body).toContain('mise en paiement de 1 aide pour un total de 480,00');
    expect(body).toMatch(/Content-Type: application\/pdf;\s+name=avis-mise-en-paiement-ENTRAIDE-20261124-\d+\.pdf/);
    const pdfBase64 = /Content-Transfer-Encoding: base64\r?\n(?:.*\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(notices[0]!.raw)?.[1] ?? '';
    const pdfFile = path.join(os.tmpdir(), `avis-${process.pid}.pdf`);
    fs.writeFileSync(pdfFile, Buffer.from(pdfBase64.replace(/\s/g, ''), 'base64'));
    const text = execFileSync('pdftotext', ['-layout', pdfFile, '-']).toString('utf8');
    fs.unlinkSync(pdfFile);
    const reference = (await ctx.knex('aid_requests').where({ id: requestId }).first()).reference as string;
    expect(text).toContain(reference);
    expect(text).toContain(`E${reference}-01`);
    expect(text).toMatch(/480,00/);
    expect(text).toContain('Julie Martin');
    const events = await ctx.knex('request_events').where({ request_id: requestId, kind: 'payment' });
    expect(events.map((e: { message: string }) => e.message).join(' ')).toContain('Avis de mise en paiement');

    expect(
      (await postForm(accountant, `/paiements/lots/${batch.id}/regler`, { version: String(batch.version + 2) }, `/paiements/lots/${batch.id}`)).status,
    ).toBe(302);
    expect((await paymentsOf(requestId))[0].status).toBe('settled');
    expect((await ctx.knex('aid_requests').where({ id: requestId }).first()).status).toBe('paid');
  });

  it('cancels a batch before transmission: its payments are scheduled again and leave with the next batch under the same EndToEndIds', async () => {
    const requestId = await grant(33000, 1, '2026-11-30');
    await runJob('2026-11-30');
    const [batch] = await batchesFor('2026-12-01');
    const e2e = (await paymentsOf(requestId))[0].end_to_end_id;
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const noReason = await postForm(
      operator,
      `/paiements/lots/${batch.id}/annuler`,
      { reason: '', version: String(batch.version), confirmation: 'oui' },
      `/paiements/lots/${batch.id}`,
    );
    expect(noReason.status).toBe(400);
    expect(fieldError(noReason.text, 'reason')).toBe('Indiquez pourquoi le lot est annulé');
    expect((await ctx.knex('payment_batches').where({ id: batch.id }).first()).status).toBe('generated');
    // without the confirmation page's confirmation, nothing happens: the page asks first
    const unconfirmed = await postForm(
      operator,
      `/paiements/lots/${batch.id}/annuler`,
      { reason: 'Erreur de montant signalée', version: String(batch.version) },
      `/paiements/lots/${batch.id}`,
    );
    expect(unconfirmed.status).toBe(400);
    expect($(unconfirmed.text)('#consequences').text()).toContain('dans les échéances à venir');
    expect($(unconfirmed.text)('#reason').val()).toBe('Erreur de montant signalée');
    expect((await ctx.knex('payment_batches').where({ id: batch.id }).first()).status).toBe('generated');
    expect(
      (
        await postForm(
          operator,
          `/paiements/lots/${batch.id}/annuler`,
          { reason: 'Erreur de montant signalée', version: String(batch.version), confirmation: 'oui' },
          `/paiements/lots/${batch.id}`,
        )
      ).status,
    ).toBe(302);
    expect((await ctx.knex('payment_batches').where({ id: batch.id }).first()).status).toBe('cancelled');
    expect((await paymentsOf(requestId))[0].status).toBe('scheduled');
    expect(await ctx.knex('payment_batch_items').where({ batch_id: batch.id, live: true })).toHaveLength(0);
    await runJob('2026-12-01');
    const [next] = await batchesFor('2026-12-02');
    expect(await fileOf(next.id)).toContain(`<EndToEndId>${e2e}</EndToEndId>`);
    // a transmitted batch no longer cancels
    const accountant = await actorOf(ctx.knex, world.users.accountant.id);
    await ctx.services.batches.approve(accountant, next.id, next.version);
    await ctx.services.batches.transmit(accountant, next.id, next.version + 1);
    await expect(ctx.services.batches.cancel(await actorOf(ctx.knex, world.users.operator.id), next.id, next.version + 2, 'trop tard')).rejects.toThrow(
      /ne s’annule plus/,
    );
  });
});

describe('rejections, re-issues and cancelled instalments', () => {
  let batchId: string;
  let requestId: string;
  beforeAll(async () => {
    requestId = await grant(60000, 3, '2026-12-03');
    await runJob('2026-12-02');
    batchId = (await batchesFor('2026-12-03'))[0].id;
    const accountant = await actorOf(ctx.knex, world.users.accountant.id);
    await ctx.services.batches.approve(accountant, batchId, 1);
    await ctx.services.batches.transmit(accountant, batchId, 2);
  });

  it('marks a transfer rejected by hand with its reason code, tells the landlord, and re-issues it once with a suffixed EndToEndId', async () => {
    const [payment] = await paymentsOf(requestId);
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const before = smtp.mails.length;
    const res = await postForm(operator, `/paiements/virements/${payment.id}/rejeter`, { code: 'AC04', comment: 'Compte clôturé' }, `/demandes/${requestId}`);
    expect(res.status).toBe(302);
    expect(await ctx.knex('payments').where({ id: payment.id }).first()).toMatchObject({ status: 'rejected', rejection_code: 'AC04' });
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.mails.slice(before).some((m) => m.to.includes(world.users.adminA.email) && /rejeté par la banque/.test(decodeBody(m.raw)))).toBe(true);
    const landlordPage = $((await (await loginAs(ctx.app, world.users.adminA.email)).get(`/demandes/${requestId}`)).text);
    expect(landlordPage('main').text()).toContain('Un virement a été rejeté par la banque');
    expect(landlordPage('main').text()).not.toContain('Réémettre');
    const rejected = await ctx.knex('payments').where({ id: payment.id }).first();
    expect((await postForm(operator, `/paiements/virements/${payment.id}/reemettre`, { version: String(rejected.version) }, '/paiements')).status).toBe(302);
    const reissue = await ctx.knex('payments').where({ reissue_of: payment.id }).first();
    expect(reissue).toMatchObject({ status: 'scheduled', amount_cents: payment.amount_cents, end_to_end_id: `${payment.end_to_end_id}-R1`, reissue_no: 1 });
    const twice = await postForm(operator, `/paiements/virements/${payment.id}/reemettre`, { version: String(rejected.version) }, '/paiements');
    expect(twice.status).toBe(302);
    expect(await ctx.knex('payments').where({ reissue_of: payment.id })).toHaveLength(1);
    await expect(ctx.knex('payments').insert({ ...reissue, id: undefined, end_to_end_id: 'X-R9' })).rejects.toThrow(/unique|duplicate/i);
  });

  it('reads the bank’s pain.002: rejected transfers are marked, unknown references reported, a non-XML file refused', async () => {
    const own = await grant(25000, 1, '2026-12-05');
    await runJob('2026-12-04');
    const [batch] = await batchesFor('2026-12-07');
    const accountant = await actorOf(ctx.knex, world.users.accountant.id);
    await ctx.services.batches.approve(accountant, batch.id, 1);
    await ctx.services.batches.transmit(accountant, batch.id, 2);
    const [payment] = await paymentsOf(own);
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const token = $((await operator.get('/paiements')).text)('input[name="_csrf"]')
      .first()
      .attr('value') as string;
    const bad = await operator.post('/paiements/rapport-banque').field('_csrf', token).attach('file', Buffer.from('%PDF-1.4'), 'rapport.xml');
    expect(bad.status).toBe(302);
    expect($((await operator.get('/paiements')).text)('.alert-danger').text()).toMatch(/pas un fichier XML/);
    const report = (
      e2e: string,
      msgId: string,
    ) => `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>BANQUE-1</MsgId><CreDtTm>2026-12-07T07:00:00</CreDtTm></GrpHdr>
      <OrgnlGrpInfAndSts><OrgnlMsgId>${msgId}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
      <OrgnlPmtInfAndSts><OrgnlPmtInfId>${batch.payment_info_id}</OrgnlPmtInfId>
        <TxInfAndSts><OrgnlEndToEndId>${e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MD07</Cd></Rsn></StsRsnInf></TxInfAndSts>
        <TxInfAndSts><OrgnlEndToEndId>INCONNU-1</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC01</Cd></Rsn></StsRsnInf></TxInfAndSts>
      </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`;
    const foreign = await operator
      .post('/paiements/rapport-banque')
      .field('_csrf', token)
      .attach('file', Buffer.from(report(payment.end_to_end_id, 'AUTRE-EMETTEUR-1')), 'pain002.xml');
    expect(foreign.status).toBe(302);
    expect($((await operator.get('/paiements')).text)('.alert-danger').text()).toContain('que l’extranet n’a pas émis');
    const res = await operator
      .post('/paiements/rapport-banque')
      .field('_csrf', token)
      .attach('file', Buffer.from(report(payment.end_to_end_id, batch.msg_id)), 'pain002.xml');
    expect(res.status).toBe(302);
    const flash = $((await operator.get('/paiements')).text)('.alert-success').text();
    expect(flash).toContain('1 virement(s) rejeté(s)');
    expect(flash).toContain('INCONNU-1');
    expect(await ctx.knex('payments').where({ id: payment.id }).first()).toMatchObject({ status: 'rejected', rejection_code: 'MD07' });
    // the same report read twice changes nothing more
    await operator
      .post('/paiements/rapport-banque')
      .field('_csrf', token)
      .attach('file', Buffer.from(report(payment.end_to_end_id, batch.msg_id)), 'pain002.xml');
    expect($((await operator.get('/paiements')).text)('.alert-success').text()).toContain('1 déjà connu(s)');
  });

  it('cancels the remaining instalments of a grant with the reason; once the rest is settled the request is paid', async () => {
    const own = await grant(90000, 3, '2026-12-09');
    await runJob('2026-12-08');
    const [batch] = await batchesFor('2026-12-09');
    const accountant = await actorOf(ctx.knex, world.users.accountant.id);
    await ctx.services.batches.approve(accountant, batch.id, 1);
    await ctx.services.batches.transmit(accountant, batch.id, 2);
    await ctx.services.batches.settle(accountant, batch.id, 3);
    expect((await ctx.knex('aid_requests').where({ id: own }).first()).status).toBe('in_payment');
    const operator = await loginAs(ctx.app, world.users.operator.email);
    const missing = await postForm(operator, `/demandes/${own}/annuler-echeances`, { reason: '', confirmation: 'oui' }, `/demandes/${own}`);
    expect(missing.status).toBe(400);
    expect((await paymentsOf(own)).map((p: { status: string }) => p.status)).toEqual(['settled', 'scheduled', 'scheduled']);
    // without the confirmation page's confirmation, nothing happens: the page asks first
    expect((await postForm(operator, `/demandes/${own}/annuler-echeances`, { reason: 'Le locataire a quitté le logement' }, `/demandes/${own}`)).status).toBe(
      400,
    );
    expect((await paymentsOf(own)).map((p: { status: string }) => p.status)).toEqual(['settled', 'scheduled', 'scheduled']);
    expect(
      (await postForm(operator, `/demandes/${own}/annuler-echeances`, { reason: 'Le locataire a quitté le logement', confirmation: 'oui' }, `/demandes/${own}`))
        .status,
    ).toBe(302);
    const payments = await paymentsOf(own);
    expect(payments.map((p: { status: string }) => p.status)).toEqual(['settled', 'cancelled', 'cancelled']);
    expect(payments[1].cancel_reason).toBe('Le locataire a quitté le logement');
    expect((await ctx.knex('aid_requests').where({ id: own }).first()).status).toBe('paid');
    expect(await ctx.knex('audit_events').where({ entity_id: own, action: 'payments.cancelled' })).toHaveLength(1);
    const events = await ctx.knex('request_events').where({ request_id: own, kind: 'payment' });
    expect(events.map((e: { message: string }) => e.message).join(' ')).toContain('Le locataire a quitté le logement');
  });
});
