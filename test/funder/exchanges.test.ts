import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OutboundRecord, PreparedFile } from '../../src/funder/outbound/sender';
import { insertAidTypes } from '../../seeds/demo';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, type Agent, download, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The « Échanges » page (issue 15): the files exchanged with Action Logement, each flow's state,
 * the records the funder refused — read by the association and its auditor, acted on by admins
 * and operators only; landlords and advisers never get in.
 */
const funderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-echanges-'));
const t = useWorld({ FUNDER_DIR: funderDir });

const event = (id: string): OutboundRecord => ({
  id,
  orientation_asd: 'ASD-2026-000123',
  horodatage: '2026-12-01T09:30:00+01:00',
  evenement: 'orientation_recue',
});
const fee = (id: string, line: number, cents: number): OutboundRecord => ({
  id,
  numero_facture: 'F2026-000001',
  ligne: line,
  nature: 'frais_gestion',
  quantite: 1,
  unite: 'forfait',
  prix_unitaire_centimes: cents,
  montant_centimes: cents,
});
const prepareSuivi = (records: OutboundRecord[]) =>
  t.ctx.knex.transaction((trx) => t.ctx.services.funderOutbound.prepare(trx, { flow: 'SUIVI', periodStart: '2026-12-01', periodEnd: '2026-12-01', records }));
const blobBytes = async (id: string) => (await t.ctx.services.blobs.get(t.ctx.knex, id))!.data;

let suivi: PreparedFile;
let billing: PreparedFile;
let pdfBlobId: string;
let ackBlobId: string;
let rejectedId: string;
let operator: Agent;
let auditor: Agent;

beforeAll(async () => {
  suivi = await prepareSuivi([event('S-1'), event('S-2')]);
  billing = await t.ctx.knex.transaction((trx) =>
    t.ctx.services.funderOutbound.prepare(trx, {
      flow: 'FACTURATION',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
      records: [fee('F2026-000001-001', 1, 40125), fee('F2026-000001-002', 2, 1756)],
      totals: { montant_centimes: 41881 },
    }),
  );
  expect((await t.ctx.services.funderOutbound.deliver()).map((d) => d.status)).toEqual(['depose', 'depose']);
  // the funder answered the SUIVI file: S-1 accepted, S-2 refused
  ackBlobId = (
    await t.ctx.services.blobs.put(
      t.ctx.knex,
      Buffer.from('{"fichier":"x","statut":"recu","recu_le":"2026-11-23T10:00:00.000Z"}\n{"id":"S-1","statut":"accepte"}\n'),
      'application/jsonl',
    )
  ).id;
  await t.ctx.knex('funder_files').where({ id: suivi.fileId }).update({
    status: 'rejete_en_partie',
    accepted: 1,
    rejected: 1,
    ack_blob_id: ackBlobId,
    acknowledged_at: t.ctx.clock.now(),
  });
  await t.ctx.knex('funder_records').where({ file_id: suivi.fileId, record_id: 'S-1' }).update({ status: 'accepte' });
  await t.ctx.knex('funder_records').where({ file_id: suivi.fileId, record_id: 'S-2' }).update({
    status: 'rejete',
    code: 'INCONNU',
    message: 'orientation_asd : dossier ASD-2026-000123 inconnu',
  });
  rejectedId = (await t.ctx.knex('funder_records').where({ record_id: 'S-2', flow: 'SUIVI' }).first<{ id: string }>('id')).id;
  // the invoice the FACTURATION file carries
  pdfBlobId = (await t.ctx.services.blobs.put(t.ctx.knex, Buffer.from('%PDF-1.7 facture'), 'application/pdf')).id;
  await t.ctx.knex('funder_invoices').insert({
    number: 'F2026-000001',
    year: 2026,
    sequence: 1,
    month: '2026-11',
    issued_on: '2026-12-02',
    due_on: '2027-01-01',
    lines: 2,
    missions_cents: 40125,
    fees_cents: 1756,
    total_ht_cents: 41881,
    total_ttc_cents: 41881,
    pdf_blob_id: pdfBlobId,
    funder_file_id: billing.fileId,
    created_at: t.ctx.clock.now(),
  });
  operator = await loginAs(t.ctx.app, t.world.users.operator.email);
  auditor = await loginAs(t.ctx.app, t.world.users.auditor.email);
});

describe('the « Échanges » page', () => {
  it('lists the files, newest first, and filters them by flow (an unknown flow shows them all)', async () => {
    const all = $((await operator.get('/echanges').expect(200)).text);
    const names = all('#fichiers tbody tr td:first-child')
      .map((_i, el) => all(el).text().trim())
      .get();
    expect(names).toEqual([billing.file, suivi.file]);
    expect(all('#fichiers tbody').text()).toContain('rejeté en partie');
    expect(all('#flux-FACTURATION').text()).toContain(billing.file);
    expect(all('#flux-SUIVI').text()).toMatch(/rejeté en partie/);

    const billingOnly = $((await operator.get('/echanges?flux=FACTURATION').expect(200)).text);
    expect(billingOnly('#fichiers tbody tr').length).toBe(1);
    expect(billingOnly('#fichiers tbody').text()).toContain(billing.file);
    expect(billingOnly('#flux option[selected]').attr('value')).toBe('FACTURATION');

    const unknown = $((await operator.get('/echanges?flux=%3Cscript%3E&page=abc').expect(200)).text);
    expect(unknown('#fichiers tbody tr').length).toBe(2);
  });

  it('shows a file: period, status in French, counts, money totals in euros, manifest, acknowledgement and its downloads', async () => {
    const page = $((await operator.get(`/echanges/fichiers/${billing.fileId}`).expect(200)).text);
    const text = page('main').text().replace(/\s+/g, ' ');
    expect(text).toContain('Facturation');
    expect(text).toContain('du 01/11/2026 au 30/11/2026');
    expect(text).toContain('État : déposé');
    expect(page('th:contains("Montant")').next('td').text()).toMatch(/^418,81\s€$/);
    expect(page('pre').text()).toContain('"montant_centimes": 41881');
    const links = page('a[download]')
      .map((_i, el) => page(el).attr('href'))
      .get();
    expect(links).toEqual([
      `/echanges/fichiers/${billing.fileId}/donnees`,
      `/echanges/fichiers/${billing.fileId}/manifeste`,
      `/echanges/fichiers/${billing.fileId}/facture`,
    ]);

    const acked = $((await operator.get(`/echanges/fichiers/${suivi.fileId}`).expect(200)).text);
    const ackedText = acked('main').text().replace(/\s+/g, ' ');
    expect(ackedText).toContain('État : rejeté en partie');
    expect(ackedText).toContain('Action Logement a répondu : reçu');
    expect(ackedText).toContain('Référence inconnue (INCONNU) : orientation_asd : dossier ASD-2026-000123 inconnu');
    expect(acked('a[download]').length).toBe(3);
  });

  it('downloads each part as stored, leaves a read trace, and answers 404 for an absent acknowledgement or an unknown part', async () => {
    const parts = [
      { url: `/echanges/fichiers/${billing.fileId}/donnees`, blob: billing.dataBlobId, name: billing.file },
      { url: `/echanges/fichiers/${billing.fileId}/manifeste`, blob: billing.manifestBlobId, name: billing.manifest },
      { url: `/echanges/fichiers/${billing.fileId}/facture`, blob: pdfBlobId, name: 'facture-F2026-000001.pdf' },
      { url: `/echanges/fichiers/${suivi.fileId}/accuse`, blob: ackBlobId, name: `ACK_${suivi.file}` },
    ];
    const traces = async () =>
      Number(
        (await t.ctx.knex('access_events').where({ user_id: t.world.users.operator.id, action: 'funder_file.download' }).count<{ n: string }[]>({ n: '*' }))[0]!
          .n,
      );
    const before = await traces();
    for (const part of parts) {
      const res = await download(operator, part.url);
      expect({ url: part.url, status: res.status }).toEqual({ url: part.url, status: 200 });
      expect(res.body.equals(await blobBytes(part.blob))).toBe(true);
      expect(res.headers['content-disposition']).toContain(`attachment; filename="${part.name}"`);
    }
    expect(await traces()).toBe(before + parts.length);
    expect((await operator.get(`/echanges/fichiers/${billing.fileId}/accuse`)).status).toBe(404);
    expect((await operator.get(`/echanges/fichiers/${suivi.fileId}/facture`)).status).toBe(404);
    expect((await operator.get(`/echanges/fichiers/${suivi.fileId}/autre`)).status).toBe(404);
    expect((await operator.get('/echanges/fichiers/pas-un-id/donnees')).status).toBe(404);
    expect((await operator.get('/echanges/fichiers/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('gives a REPORTING month as a spreadsheet for people, from its file’s page, and none for another flow', async () => {
    // a month with activity: one request submitted in October
    await insertAidTypes(t.ctx.knex);
    const aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
    const requestId = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
      status: 'submitted',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id: requestId })
      .update({ submitted_at: new Date('2026-10-15T10:00:00+02:00') });
    const sent = await t.ctx.services.funderReporting.sendMonth('2026-10');
    const file = sent.prepared!;
    const page = $((await operator.get(`/echanges/fichiers/${file.fileId}`)).text);
    expect(page(`a[href="/echanges/fichiers/${file.fileId}/tableur"]`).length).toBe(1);
    const res = await download(operator, `/echanges/fichiers/${file.fileId}/tableur`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain('attachment; filename="reporting-2026-10.xlsx"');
    expect(res.body.subarray(0, 2).toString()).toBe('PK');
    expect((await operator.get(`/echanges/fichiers/${suivi.fileId}/tableur`)).status).toBe(404);
  });

  it('lists the rejected records with a link to their source when the reader may open it', async () => {
    await t.ctx
      .knex('funder_records')
      .where({ id: rejectedId })
      .update({ source_type: 'funder_orientation', source_id: '00000000-0000-4000-8000-000000000001' });
    const page = $((await operator.get('/echanges').expect(200)).text);
    const row = page(`#enregistrement-${rejectedId}`);
    expect(row.text()).toContain('S-2');
    expect(row.text()).toContain('Référence inconnue');
    expect(row.find('a[href="/orientations/00000000-0000-4000-8000-000000000001"]').length).toBe(1);
    // the auditor reads the record, not the orientation
    const seen = $((await auditor.get('/echanges').expect(200)).text);
    expect(seen(`#enregistrement-${rejectedId}`).text()).toContain('Orientation');
    expect(seen(`#enregistrement-${rejectedId} a[href^="/orientations/"]`).length).toBe(0);
    expect(seen(`#enregistrement-${rejectedId} form`).length).toBe(0);
    await t.ctx.knex('funder_records').where({ id: rejectedId }).update({ source_type: null, source_id: null });
  });

  it('lets the auditor read the page, a file and its downloads, but refuses the resend and the deposit (403)', async () => {
    await auditor.get(`/echanges/fichiers/${suivi.fileId}`).expect(200);
    expect((await download(auditor, `/echanges/fichiers/${suivi.fileId}/donnees`)).status).toBe(200);
    expect((await postForm(auditor, `/echanges/enregistrements/${rejectedId}/renvoyer`, { confirm: 'on' }, '/echanges')).status).toBe(403);
    expect((await postForm(auditor, '/echanges/deposer', {}, '/echanges')).status).toBe(403);
    expect(await t.ctx.knex('funder_records').where({ id: rejectedId }).first()).toMatchObject({ status: 'rejete' });
  });

  it('refuses landlords and social advisers on every route (403)', async () => {
    for (const user of [t.world.users.instructorA, t.world.users.adminB, t.world.users.social_adviser]) {
      const agent = await loginAs(t.ctx.app, user.email);
      for (const url of ['/echanges', `/echanges/fichiers/${suivi.fileId}`, `/echanges/fichiers/${suivi.fileId}/donnees`]) {
        expect({ user: user.email, url, status: (await agent.get(url)).status }).toEqual({ user: user.email, url, status: 403 });
      }
      for (const url of [`/echanges/enregistrements/${rejectedId}/renvoyer`, '/echanges/deposer']) {
        const res = await postForm(agent, url, { confirm: 'on' }, '/mon-compte');
        expect({ user: user.email, url, status: res.status }).toEqual({ user: user.email, url, status: 403 });
      }
      expect($((await agent.get('/')).text)('nav a[href="/echanges"]').length).toBe(0);
    }
  });

  it('resends a rejected record once, confirmed and audited; unconfirmed or a second time it refuses in French and changes nothing', async () => {
    const url = `/echanges/enregistrements/${rejectedId}/renvoyer`;
    const unconfirmed = await postForm(operator, url, {}, '/echanges');
    expect(unconfirmed.status).toBe(400);
    const refused = $(unconfirmed.text);
    expect(refused(`#confirm-${rejectedId}-error`).text()).toContain('Cochez la case pour confirmer le renvoi');
    expect(refused('.error-summary a').attr('href')).toBe(`#confirm-${rejectedId}`);
    expect(await t.ctx.knex('funder_records').where({ id: rejectedId }).first()).toMatchObject({ status: 'rejete' });

    const now = t.ctx.clock.now();
    const done = await postForm(operator, url, { confirm: 'on' }, '/echanges');
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/echanges');
    const record = await t.ctx.knex('funder_records').where({ id: rejectedId }).first();
    expect(record).toMatchObject({ status: 'a_envoyer', record_id: 'S-2' });
    expect(new Date(record.updated_at).getTime()).toBe(now.getTime());
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'funder_record', entity_id: rejectedId, action: 'resend' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: t.world.users.operator.id });
    const flashed = $((await operator.get('/echanges')).text);
    expect(flashed('.alert-success').text()).toContain(
      'S-2 est remis à envoyer : il repartira, sous le même identifiant, dans le prochain fichier « Suivi des dossiers »',
    );
    expect(flashed(`#enregistrement-${rejectedId}`).length).toBe(0);

    const again = await postForm(operator, url, { confirm: 'on' }, '/echanges');
    expect(again.status).toBe(400);
    expect($(again.text)('#form-error').text()).toContain('L’enregistrement S-2 n’est pas rejeté (il est « à envoyer ») : il n’y a rien à renvoyer.');
    expect(await t.ctx.knex('audit_events').where({ entity_type: 'funder_record', entity_id: rejectedId, action: 'resend' })).toHaveLength(1);
  });

  it('deposits again the files left waiting and says how many', async () => {
    const waiting = await prepareSuivi([event('S-10')]);
    await t.ctx.knex('funder_files').where({ id: waiting.fileId }).update({ problem: 'serveur injoignable' });
    const before = $((await operator.get('/echanges')).text);
    expect(before('#flux-SUIVI').text()).toContain('à redéposer');
    const res = await postForm(operator, '/echanges/deposer', {}, '/echanges');
    expect(res.status).toBe(302);
    expect($((await operator.get('/echanges')).text)('.alert-success').text()).toContain('1 fichier déposé sur le serveur d’Action Logement.');
    expect(await t.ctx.knex('funder_files').where({ id: waiting.fileId }).first()).toMatchObject({ status: 'depose', problem: null });
    expect(fs.existsSync(path.join(funderDir, 'depot', waiting.file))).toBe(true);
    await postForm(operator, '/echanges/deposer', {}, '/echanges');
    expect($((await operator.get('/echanges')).text)('.alert-info').text()).toContain('Aucun fichier n’attendait d’être déposé.');
  });

  it('shows « Lancer maintenant » of each flow’s job to those who run jobs only', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/echanges')).text);
    expect(page('#flux-FACTURATION form').attr('action')).toBe('/admin/taches/funder-billing/lancer');
    expect(page('#flux-ORIENTATIONS form').attr('action')).toBe('/admin/taches/funder-orientations/lancer');
    expect($((await operator.get('/echanges')).text)('form[action^="/admin/taches/"]').length).toBe(0);
  });

  it('flags « sans accusé depuis 48 h » a file deposited 49 hours ago, not one deposited 47 hours ago', async () => {
    const older = await prepareSuivi([event('S-20')]);
    await t.ctx.services.funderOutbound.deliver();
    t.ctx.clock.advanceMinutes(120);
    const newer = await prepareSuivi([event('S-21')]);
    await t.ctx.services.funderOutbound.deliver();
    t.ctx.clock.advanceMinutes(47 * 60);
    // two days later the session has expired: a new one
    const reader = await loginAs(t.ctx.app, t.world.users.operator.email);
    const page = $((await reader.get('/echanges').expect(200)).text);
    const alert = page('#sans-accuse').text();
    expect(alert).toContain('Sans accusé depuis 48 h');
    expect(alert).toContain(older.file);
    expect(alert).not.toContain(newer.file);
    // acknowledged: no longer flagged
    await t.ctx.knex('funder_files').where({ id: older.fileId }).update({ status: 'accuse', acknowledged_at: t.ctx.clock.now() });
    expect($((await reader.get('/echanges').expect(200)).text)('#sans-accuse').text()).not.toContain(older.file);
  });
});
