import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { toJsonLines } from '../../src/funder/formats/jsonl';
import { buildManifest, manifestProblem } from '../../src/funder/formats/manifest';
import { dataFileName, manifestName } from '../../src/funder/formats/names';
import { readAcknowledgement, orientationRecord } from '../support/funder-side';
import { useWorld } from '../support/world';

/**
 * OpenPGP with the funder (issue 15, agreement §1): a configured flow leaves encrypted to the
 * funder's key and signed with Entraide's (`.jsonl.pgp`, the manifest clear: the hash of the file
 * as deposited, the count of its records); an ORIENTATIONS file received encrypted is opened with
 * Entraide's key and must carry the funder's signature — or is refused whole.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-pgp-'));
const env: Record<string, string> = { FUNDER_DIR: root };
const keys = {} as { funder: openpgp.PrivateKey; entraidePublic: openpgp.PublicKey; stranger: openpgp.PrivateKey };

beforeAll(async () => {
  const make = (name: string, passphrase?: string) =>
    openpgp.generateKey({
      userIDs: [{ name, email: `${name.toLowerCase().replace(/\W/g, '')}@exemple.fr` }],
      format: 'armored',
      ...(passphrase ? { passphrase } : {}),
    });
  const [funder, entraide, stranger] = await Promise.all([make('Action Logement'), make('Entraide', 'phrase de passe'), make('Inconnu')]);
  fs.writeFileSync(path.join(root, 'funder.pub.asc'), funder.publicKey);
  fs.writeFileSync(path.join(root, 'entraide.key.asc'), entraide.privateKey);
  keys.funder = await openpgp.readPrivateKey({ armoredKey: funder.privateKey });
  keys.entraidePublic = await openpgp.readKey({ armoredKey: entraide.publicKey });
  keys.stranger = await openpgp.readPrivateKey({ armoredKey: stranger.privateKey });
  Object.assign(env, {
    FUNDER_PGP_FLOWS: 'SUIVI',
    FUNDER_PGP_FUNDER_KEY: path.join(root, 'funder.pub.asc'),
    FUNDER_PGP_OWN_KEY: path.join(root, 'entraide.key.asc'),
    FUNDER_PGP_PASSPHRASE: 'phrase de passe',
  });
});
const t = useWorld(env);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The funder writes an encrypted ORIENTATIONS file, signed with `signer`'s key, and its clear manifest. */
async function sendEncryptedOrientations(sequence: number, records: object[], signer: openpgp.PrivateKey): Promise<string> {
  const name = dataFileName({ sender: 'ALS', flow: 'ORIENTATIONS', periodEnd: '2026-11-23', sequence, encrypted: true });
  const plain = toJsonLines(records);
  const message = await openpgp.createMessage({ binary: new Uint8Array(plain) });
  const sent = Buffer.from(await openpgp.encrypt({ message, encryptionKeys: keys.entraidePublic, signingKeys: signer, format: 'binary' }));
  const manifest = buildManifest({
    fileName: name,
    flow: 'ORIENTATIONS',
    sender: 'ALS',
    periodStart: '2026-11-23',
    periodEnd: '2026-11-23',
    generatedAt: '2026-11-23T08:00:00+01:00',
    data: plain,
    sent,
  });
  fs.mkdirSync(path.join(root, 'retour'), { recursive: true });
  fs.writeFileSync(path.join(root, 'retour', name), sent);
  fs.writeFileSync(path.join(root, 'retour', manifestName(name)), JSON.stringify(manifest));
  return name;
}
const intake = async () => {
  t.ctx.clock.advanceMinutes(15);
  return t.ctx.services.runJob('funder-orientations', { userId: null, label: 'Test' });
};

describe('OpenPGP with the funder', () => {
  it('sends a configured flow encrypted to the funder and signed by Entraide, its manifest clear and true', async () => {
    const records = [{ id: 'S-pgp-1', orientation_asd: 'ASD-2026-000321', horodatage: '2026-11-23T09:00:00+01:00', evenement: 'orientation_recue' }];
    const file = await t.ctx.knex.transaction((trx) =>
      t.ctx.services.funderOutbound.prepare(trx, { flow: 'SUIVI', periodStart: '2026-11-23', periodEnd: '2026-11-23', records }),
    );
    expect(file.file).toMatch(/^ENTRAIDE_SUIVI_20261123_\d{6}\.jsonl\.pgp$/);
    await t.ctx.services.funderOutbound.deliver();
    const sent = fs.readFileSync(path.join(root, 'depot', file.file));
    expect(sent.subarray(0, 20).toString('utf8')).not.toContain('S-pgp-1');
    // the funder opens it with its key and checks Entraide's signature
    const { data, signatures } = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: new Uint8Array(sent) }),
      decryptionKeys: keys.funder,
      verificationKeys: keys.entraidePublic,
      expectSigned: true,
      format: 'binary',
    });
    await expect(signatures[0]!.verified).resolves.toBe(true);
    const plain = Buffer.from(data);
    expect(plain.toString('utf8')).toBe(`${JSON.stringify(records[0])}\n`);
    const manifest = fs.readFileSync(path.join(root, 'depot', manifestName(file.file)));
    expect(manifestProblem(manifest, sent, { fileName: file.file, flow: 'SUIVI', sender: 'ENTRAIDE' }, plain)).toBeNull();
  });

  it('opens an encrypted ORIENTATIONS file signed by the funder and acknowledges each record', async () => {
    const siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
    const name = await sendEncryptedOrientations(1, [orientationRecord('PGP-1', siren)], keys.funder);
    expect(await intake()).toMatchObject({ status: 'succeeded', counts: { files: 1, accepted: 1, refused: 0 } });
    expect(await t.ctx.knex('funder_orientations').where({ record_id: 'PGP-1' })).toHaveLength(1);
    expect(await t.ctx.knex('funder_files').where({ name }).first()).toMatchObject({ status: 'recu', records: 1, accepted: 1 });
    expect(readAcknowledgement(root, name).slice(1)).toEqual([{ id: 'PGP-1', statut: 'accepte' }]);
  });

  it('refuses whole an encrypted file that someone else signed: nothing applied, the reason in the acknowledgement', async () => {
    const siren = (await t.ctx.knex('organisations').where({ id: t.world.landlordA.id }).first('siren')).siren as string;
    const name = await sendEncryptedOrientations(2, [orientationRecord('PGP-2', siren)], keys.stranger);
    expect(await intake()).toMatchObject({ status: 'succeeded', counts: { files: 1, accepted: 0, refused: 1 } });
    expect(await t.ctx.knex('funder_orientations').where({ record_id: 'PGP-2' })).toEqual([]);
    expect(readAcknowledgement(root, name)[0]).toMatchObject({ statut: 'rejete', code: 'AUTRE', message: expect.stringContaining('signature') as string });
  });
});
