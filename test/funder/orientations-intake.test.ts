import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemaProblem } from '../../src/funder/formats/schemas';
import { useWorld } from '../support/world';
import { orientationRecord, readAcknowledgement, writeOrientations } from '../support/funder-side';

/**
 * `ORIENTATIONS` in (issue 15): files from the funder's ASD service, over the folder transport
 * (the SFTP transport has its own tests, test/funder/transport.test.ts). Each file is checked
 * against its manifest, each record against orientation.v1 and what the schema cannot say; the
 * acknowledgement goes back to `depot`, one line per record; nothing refused is applied.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-funder-'));
const t = useWorld({ FUNDER_DIR: root });
let siren: string;

beforeAll(async () => {
  const row = await t.ctx.knex<{ id: string; siren: string }>('organisations').where({ id: t.world.landlordA.id }).first('siren');
  siren = row!.siren;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** One scheduled run; the next quarter of an hour for each (the runner runs a job once per period). */
const run = async () => {
  t.ctx.clock.advanceMinutes(15);
  return t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
};
const orientations = () => t.ctx.knex('funder_orientations').orderBy('line');

describe('the ORIENTATIONS intake', () => {
  it('stores the valid orientations of a member landlord and acknowledges each record, the file first, every line valid against accuse.v1', async () => {
    const name = writeOrientations(root, 1, [orientationRecord('OR-1', siren), orientationRecord('OR-2', siren)]);
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'succeeded' });
    const rows = await orientations();
    expect(rows.map((r: { record_id: string; organisation_id: string; status: string }) => [r.record_id, r.organisation_id, r.status])).toEqual([
      ['OR-1', t.world.landlordA.id, 'a_traiter'],
      ['OR-2', t.world.landlordA.id, 'a_traiter'],
    ]);
    const ack = readAcknowledgement(root, name);
    expect(ack[0]).toMatchObject({ fichier: name, statut: 'recu' });
    expect(ack.slice(1)).toEqual([
      { id: 'OR-1', statut: 'accepte' },
      { id: 'OR-2', statut: 'accepte' },
    ]);
    for (const line of ack) expect(schemaProblem('accuse', line)).toBeNull();
    const file = await t.ctx.knex('funder_files').where({ name }).first();
    expect(file).toMatchObject({ direction: 'in', status: 'recu', records: 2, accepted: 2, rejected: 0, duplicates: 0, ack_status: 'envoye' });
    const audit = await t.ctx.knex('audit_events').where({ entity_type: 'funder_orientation', action: 'received' });
    expect(audit).toHaveLength(2);
  });

  it('rejects an unknown landlord, a broken record (NUL byte, 10,000-character name, bad SIRET key, birth in the future) and repeats of an id, and applies none of them', async () => {
    const before = (await orientations()).length;
    const name = writeOrientations(root, 2, [
      orientationRecord('OR-3', '732829320'),
      orientationRecord('OR-4', siren, { salarie: { civilite: 'M', nom: 'Dupont\u0000', prenoms: 'Jean', date_naissance: '1980-01-01' } }),
      orientationRecord('OR-5', siren, { salarie: { civilite: 'M', nom: 'x'.repeat(10_000), prenoms: 'Jean', date_naissance: '1980-01-01' } }),
      orientationRecord('OR-6', siren, { employeur: { raison_sociale: 'Garnier', siret: '73282932000075' } }),
      orientationRecord('OR-7', siren, { salarie: { civilite: 'M', nom: 'Durand', prenoms: 'Luc', date_naissance: '2027-01-01' } }),
      orientationRecord('OR-8', siren),
      orientationRecord('OR-8', siren),
      orientationRecord('OR-1', siren),
    ]);
    await run();
    const ack = readAcknowledgement(root, name);
    expect(ack[0]).toMatchObject({ fichier: name, statut: 'recu' });
    const byId = ack.slice(1).map((l) => [l.id, l.statut, l.code ?? null]);
    expect(byId).toEqual([
      ['OR-3', 'rejete', 'INCONNU'],
      ['OR-4', 'rejete', 'SCHEMA'],
      ['OR-5', 'rejete', 'SCHEMA'],
      ['OR-6', 'rejete', 'SCHEMA'],
      ['OR-7', 'rejete', 'SCHEMA'],
      ['OR-8', 'accepte', null],
      ['OR-8', 'doublon', 'DOUBLON'],
      ['OR-1', 'doublon', 'DOUBLON'],
    ]);
    expect(ack[2]?.message).toContain('salarie.nom');
    expect(ack[3]?.message).toContain('salarie.nom : 100 caractères au plus');
    expect(ack[4]?.message).toContain('employeur.siret');
    expect(ack[5]?.message).toContain('salarie.date_naissance');
    for (const line of ack) expect(schemaProblem('accuse', line)).toBeNull();
    expect((await orientations()).length).toBe(before + 1);
    expect(await t.ctx.knex('funder_files').where({ name }).first()).toMatchObject({ accepted: 1, rejected: 5, duplicates: 2 });
  });

  it('refuses a file whole when its manifest lies (hash, count) or the file was cut short, and creates nothing', async () => {
    const before = (await orientations()).length;
    const wrongHash = writeOrientations(root, 3, [orientationRecord('OR-20', siren)], { tamper: (m) => (m.sha256 = '0'.repeat(64)) });
    const wrongCount = writeOrientations(root, 4, [orientationRecord('OR-21', siren)], {
      tamper: (m) => {
        m.enregistrements = 2;
      },
    });
    const full = Buffer.from(`${JSON.stringify(orientationRecord('OR-22', siren))}\n${JSON.stringify(orientationRecord('OR-23', siren))}\n`);
    const truncated = writeOrientations(root, 5, [orientationRecord('OR-22', siren), orientationRecord('OR-23', siren)], {
      data: full.subarray(0, full.length - 40),
    });
    await run();
    for (const name of [wrongHash, wrongCount, truncated]) {
      const ack = readAcknowledgement(root, name);
      expect(ack).toHaveLength(1);
      expect(ack[0]).toMatchObject({ fichier: name, statut: 'rejete', code: 'MANIFESTE' });
      expect(await t.ctx.knex('funder_files').where({ name }).first()).toMatchObject({ status: 'rejete', accepted: 0 });
    }
    expect((await orientations()).length).toBe(before);
  });

  it('reads a file once whatever the runs, and waits for a manifest not arrived yet', async () => {
    const waiting = writeOrientations(root, 6, [orientationRecord('OR-30', siren)], { withoutManifest: true });
    await run();
    await run();
    expect(await t.ctx.knex('funder_files').where({ name: waiting }).first()).toBeUndefined();
    expect(await t.ctx.knex('funder_files').where({ name: 'ALS_ORIENTATIONS_20261123_000001.jsonl' })).toHaveLength(1);
    writeOrientations(root, 6, [orientationRecord('OR-30', siren)]);
    await run();
    expect(await t.ctx.knex('funder_orientations').where({ record_id: 'OR-30' })).toHaveLength(1);
  });
});
