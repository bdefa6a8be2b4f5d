import fs from 'node:fs';
import path from 'node:path';
import { parseJsonLines } from '../../src/funder/formats/jsonl';
import { manifestProblem } from '../../src/funder/formats/manifest';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { OutboundRecordInvalid, type OutboundRecord } from '../../src/funder/outbound/sender';
import { sftpEnv, startSftpServer, type TestSftpServer } from '../support/sftp-server';
import { useWorld } from '../support/world';

/**
 * The outbound files (issue 15): built in the caller's transaction, every record checked against
 * its flow's schema, a manifest that tells the truth, put on the funder's real SFTP server after
 * the commit — again at the next run after a transport failure, never twice.
 */
let server: TestSftpServer;
const env: Record<string, string> = {};
beforeAll(async () => {
  server = await startSftpServer();
  Object.assign(env, sftpEnv(server));
});
const t = useWorld(env);
afterAll(() => server.close());

const event = (id: string, overrides: Record<string, unknown> = {}): OutboundRecord => ({
  id,
  orientation_asd: 'ASD-2026-000123',
  horodatage: '2026-12-01T09:30:00+01:00',
  evenement: 'orientation_recue',
  ...overrides,
});
const prepare = (records: OutboundRecord[]) =>
  t.ctx.knex.transaction((trx) => t.ctx.services.funderOutbound.prepare(trx, { flow: 'SUIVI', periodStart: '2026-12-01', periodEnd: '2026-12-01', records }));
const depot = (name: string) => fs.readFileSync(path.join(server.root, 'depot', name));
const onServer = () => fs.readdirSync(path.join(server.root, 'depot')).sort();

describe('outbound files', () => {
  it('prepares a file in the transaction, then delivers data and manifest over SFTP: names, manifest and records as the agreement says', async () => {
    const file = await prepare([event('S-1'), event('S-2', { evenement: 'demande_deposee', reference: '2026-00042', aide: 'AQ', montant_centimes: 45000 })]);
    expect(file.file).toMatch(/^ENTRAIDE_SUIVI_20261201_\d{6}\.jsonl$/);
    expect(await t.ctx.knex('funder_files').where({ id: file.fileId }).first()).toMatchObject({ direction: 'out', status: 'prepare', records: 2 });
    expect(onServer()).toEqual([]);

    expect(await t.ctx.services.funderOutbound.deliver()).toEqual([{ file: file.file, status: 'depose', problem: null }]);
    expect(onServer()).toEqual([file.file, file.manifest]);
    const data = depot(file.file);
    expect(manifestProblem(depot(file.manifest), data, { fileName: file.file, flow: 'SUIVI', sender: 'ENTRAIDE' })).toBeNull();
    for (const line of parseJsonLines(data)) expect('value' in line && schemaProblem('suivi', line.value)).toBeNull();
    const row = await t.ctx.knex('funder_files').where({ id: file.fileId }).first();
    expect(row).toMatchObject({ status: 'depose', sha256: file.sha256 });
    expect(row.sent_at).not.toBeNull();
    // nothing left to deliver: a second run sends nothing
    expect(await t.ctx.services.funderOutbound.deliver()).toEqual([]);
  });

  it('numbers the files of a flow one after the other, never twice', async () => {
    const a = await prepare([event('S-10')]);
    const b = await prepare([event('S-11')]);
    expect(Number(b.file.slice(-12, -6))).toBe(Number(a.file.slice(-12, -6)) + 1);
    await t.ctx.services.funderOutbound.deliver();
  });

  it('refuses a record that breaks its schema, naming it and the field: nothing is stored, nothing leaves', async () => {
    const files = await t.ctx.knex('funder_files').count('* as n').first();
    const error = await prepare([event('S-20'), event('S-21', { evenement: 'decision_accord', reference: '2026-00042' })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundRecordInvalid);
    expect((error as Error).message).toMatch(/S-21.*aide : champ obligatoire absent/);
    expect(await t.ctx.knex('funder_files').count('* as n').first()).toEqual(files);
    // a record with free text in a code field breaks the schema too
    await expect(prepare([event('S-22', { evenement: 'orientation_close', motif: 'Le ménage a déménagé' })])).rejects.toThrow(/motif/);
  });

  it('leaves a file "prepare" when the server cannot be reached, and delivers it once at the next run', async () => {
    const file = await prepare([event('S-30')]);
    // the transport tries three times (its retries): all three dropped
    server.failNext(3);
    expect(await t.ctx.services.funderOutbound.deliver()).toEqual([{ file: file.file, status: 'prepare', problem: expect.any(String) as string }]);
    expect(onServer()).not.toContain(file.file);
    expect(await t.ctx.knex('funder_files').where({ id: file.fileId }).first()).toMatchObject({ status: 'prepare' });

    expect(await t.ctx.services.funderOutbound.deliver()).toEqual([{ file: file.file, status: 'depose', problem: null }]);
    expect(depot(file.file).toString('utf8')).toBe(`${JSON.stringify(event('S-30'))}\n`);
  });

  it('takes a file already on the server (sent, then the run stopped before it noted it) as delivered, without sending it again', async () => {
    const file = await prepare([event('S-40')]);
    fs.writeFileSync(path.join(server.root, 'depot', file.file), `${JSON.stringify(event('S-40'))}\n`);
    expect(await t.ctx.services.funderOutbound.deliver()).toEqual([{ file: file.file, status: 'depose', problem: null }]);
    expect(onServer()).toContain(file.manifest);
  });
});

describe('the funder’s acknowledgements of our files', () => {
  const ack = (name: string, lines: object[]) =>
    fs.writeFileSync(path.join(server.root, 'retour', `ACK_${name}`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const records = (fileId: string) => t.ctx.knex('funder_records').where({ file_id: fileId }).orderBy('record_id');
  const read = () => t.ctx.services.funderAcknowledgements.run();

  it('keeps every record of a file that leaves, « envoyé », linked to the file', async () => {
    const file = await prepare([event('A-1'), event('A-2')]);
    expect((await records(file.fileId)).map((r: { record_id: string; status: string; sendings: number }) => [r.record_id, r.status, r.sendings])).toEqual([
      ['A-1', 'envoye', 1],
      ['A-2', 'envoye', 1],
    ]);
    await t.ctx.services.funderOutbound.deliver();
  });

  it('marks the file and each record as the acknowledgement says, the rejected ones with their code and message, in one go', async () => {
    const file = await prepare([event('A-10'), event('A-11'), event('A-12')]);
    await t.ctx.services.funderOutbound.deliver();
    // nothing yet: the file waits for its acknowledgement
    expect(await read()).toEqual([]);
    ack(file.file, [
      { fichier: file.file, statut: 'recu', recu_le: '2026-12-02T08:00:00+01:00' },
      { id: 'A-10', statut: 'accepte' },
      { id: 'A-11', statut: 'rejete', code: 'INCONNU', message: 'orientation_asd : dossier inconnu' },
      { id: 'A-12', statut: 'doublon', code: 'DOUBLON', message: 'déjà reçu' },
    ]);
    expect(await read()).toEqual([{ file: file.file, status: 'rejete_en_partie', accepted: 1, rejected: 1, duplicates: 1, problem: null }]);
    const row = await t.ctx.knex('funder_files').where({ id: file.fileId }).first();
    expect(row).toMatchObject({ status: 'rejete_en_partie', accepted: 1, rejected: 1, duplicates: 1 });
    expect(row.acknowledged_at).not.toBeNull();
    expect(row.ack_blob_id).not.toBeNull();
    expect((await records(file.fileId)).map((r: { record_id: string; status: string; code: string | null }) => [r.record_id, r.status, r.code])).toEqual([
      ['A-10', 'accepte', null],
      ['A-11', 'rejete', 'INCONNU'],
      ['A-12', 'doublon', 'DOUBLON'],
    ]);
    // read once: the next run finds nothing new
    expect(await read()).toEqual([]);
  });

  it('refuses every record of a file the funder refused whole', async () => {
    const file = await prepare([event('A-20'), event('A-21')]);
    await t.ctx.services.funderOutbound.deliver();
    ack(file.file, [{ fichier: file.file, statut: 'rejete', recu_le: '2026-12-02T08:00:00+01:00', code: 'MANIFESTE', message: 'empreinte fausse' }]);
    expect(await read()).toMatchObject([{ status: 'rejete', problem: 'MANIFESTE : empreinte fausse' }]);
    expect((await records(file.fileId)).map((r: { status: string }) => r.status)).toEqual(['rejete', 'rejete']);
  });

  it('applies nothing of an acknowledgement that breaks its schema, and says why on the file', async () => {
    const file = await prepare([event('A-30')]);
    await t.ctx.services.funderOutbound.deliver();
    ack(file.file, [
      { fichier: file.file, statut: 'recu', recu_le: '2026-12-02T08:00:00+01:00' },
      { id: 'A-30', statut: 'perdu' },
    ]);
    expect(await read()).toMatchObject([{ status: 'illisible', problem: expect.stringContaining('ligne 2 : statut') as string }]);
    expect(await t.ctx.knex('funder_files').where({ id: file.fileId }).first()).toMatchObject({ status: 'depose', acknowledged_at: null });
    expect((await records(file.fileId)).map((r: { status: string }) => r.status)).toEqual(['envoye']);
  });
});

describe('a file left without acknowledgement', () => {
  it('is mailed to the association’s administrators once, 48 hours after it left', async () => {
    const notices = () => t.ctx.knex('mail_outbox').where({ kind: 'funder.unacknowledged' });
    const file = await prepare([event('L-1')]);
    await t.ctx.services.funderOutbound.deliver();
    const job = async (minutes: number) => {
      t.ctx.clock.advanceMinutes(minutes);
      return t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
    };
    // every file delivered earlier in this file is older: flagged by the first run past 48 hours too
    expect(await job(47 * 60)).toMatchObject({ status: 'succeeded' });
    expect(await notices()).toEqual([]);
    expect(await job(2 * 60)).toMatchObject({ status: 'succeeded' });
    const mails = await notices();
    expect(mails.map((m: { to_address: string }) => m.to_address)).toEqual([t.world.users.admin.email]);
    expect(mails[0].text_body).toContain(file.file);
    expect(await job(15)).toMatchObject({ status: 'succeeded' });
    expect(await notices()).toHaveLength(mails.length);
  });
});
