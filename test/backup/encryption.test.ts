import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { AES_MAGIC, BackupDecryptionError, BackupEncryption } from '../../src/backup/encryption';
import { ConfigError, loadConfig } from '../../src/config';

/**
 * Issue 18: backups are encrypted before they leave the machine — AES-256-GCM with a symmetric
 * key (a small format: magic, version, key id, IV, ciphertext, tag) or OpenPGP to a public key
 * (the server cannot decrypt). A wrong key or one changed byte is refused, and nothing is left
 * under the decrypted file's name.
 */
let dir: string;
const key = crypto.randomBytes(32);
const aes = new BackupEncryption({ kind: 'aes', key });
const plain = crypto.randomBytes(300_000);
let source: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-backup-crypto-'));
  source = path.join(dir, 'entraide-20261123-090000.tar.gz');
  fs.writeFileSync(source, plain);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const leftovers = () => fs.readdirSync(dir).filter((f) => f.includes('.part') || f === 'sortie');

describe('AES-256-GCM backups', () => {
  it('round-trips a file in the documented format: magic, version 1, key id, IV, ciphertext, 16-byte tag', async () => {
    const enc = path.join(dir, 'a.enc');
    await aes.encryptFile(source, enc);
    const bytes = fs.readFileSync(enc);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('ENTRBKUP');
    expect(bytes.subarray(0, 8).equals(AES_MAGIC)).toBe(true);
    expect(bytes[8]).toBe(1);
    expect(bytes.length).toBe(29 + plain.length + 16);
    // encrypted at rest: the plaintext's bytes appear nowhere
    expect(bytes.includes(plain.subarray(1000, 1064))).toBe(false);
    // a fresh IV each time
    await aes.encryptFile(source, path.join(dir, 'b.enc'));
    expect(fs.readFileSync(path.join(dir, 'b.enc')).subarray(17, 29).equals(bytes.subarray(17, 29))).toBe(false);
    const out = path.join(dir, 'sortie');
    await aes.decryptFile(enc, out);
    expect(fs.readFileSync(out).equals(plain)).toBe(true);
    fs.rmSync(out);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a wrong key by name, before decrypting anything', async () => {
    const enc = path.join(dir, 'a.enc');
    const other = new BackupEncryption({ kind: 'aes', key: crypto.randomBytes(32) });
    await expect(other.decryptFile(enc, path.join(dir, 'sortie'))).rejects.toThrow(
      new BackupDecryptionError('Mauvaise clé : cette sauvegarde a été chiffrée avec une autre BACKUP_ENCRYPTION_KEY'),
    );
    expect(leftovers()).toEqual([]);
  });

  it.each([
    ['the IV (header, authenticated as additional data)', 20],
    ['the first ciphertext byte', 29],
    ['a byte in the middle', 150_000],
    ['the tag', -3],
  ])('refuses a file with one changed byte in %s, leaving no output', async (_where, offset) => {
    const bytes = fs.readFileSync(path.join(dir, 'a.enc'));
    const at = offset < 0 ? bytes.length + offset : offset;
    bytes[at] = (bytes[at] as number) ^ 0x01;
    const tampered = path.join(dir, 'altere.enc');
    fs.writeFileSync(tampered, bytes);
    await expect(aes.decryptFile(tampered, path.join(dir, 'sortie'))).rejects.toThrow(/Sauvegarde altérée/);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a truncated file and a file that is not an encrypted backup', async () => {
    const bytes = fs.readFileSync(path.join(dir, 'a.enc'));
    fs.writeFileSync(path.join(dir, 'court.enc'), bytes.subarray(0, bytes.length - 1000));
    await expect(aes.decryptFile(path.join(dir, 'court.enc'), path.join(dir, 'sortie'))).rejects.toThrow(/Sauvegarde altérée/);
    fs.writeFileSync(path.join(dir, 'minuscule.enc'), bytes.subarray(0, 30));
    await expect(aes.decryptFile(path.join(dir, 'minuscule.enc'), path.join(dir, 'sortie'))).rejects.toThrow(/tronqué/);
    await expect(aes.decryptFile(source, path.join(dir, 'sortie'))).rejects.toThrow(/n’est pas une sauvegarde chiffrée/);
    expect(leftovers()).toEqual([]);
  });
});

describe('OpenPGP backups', () => {
  let publicKeyPath: string;
  let privateKeyPath: string;
  let otherPrivateKeyPath: string;

  beforeAll(async () => {
    const made = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name: 'Sauvegardes Entraide' }],
      passphrase: 'phrase secrète',
      format: 'armored',
    });
    const other = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Quelqu’un d’autre' }], format: 'armored' });
    publicKeyPath = path.join(dir, 'publique.asc');
    privateKeyPath = path.join(dir, 'privee.asc');
    otherPrivateKeyPath = path.join(dir, 'autre.asc');
    fs.writeFileSync(publicKeyPath, made.publicKey);
    fs.writeFileSync(privateKeyPath, made.privateKey);
    fs.writeFileSync(otherPrivateKeyPath, other.privateKey);
  });

  it('encrypts with the public key alone (that server cannot decrypt); the private key and its passphrase decrypt', async () => {
    const server = new BackupEncryption({ kind: 'pgp', publicKeyPath, privateKeyPath: null, passphrase: null });
    const enc = path.join(dir, 'a.pgp');
    await server.encryptFile(source, enc);
    expect(fs.readFileSync(enc).includes(plain.subarray(1000, 1064))).toBe(false);
    await expect(server.decryptFile(enc, path.join(dir, 'sortie'))).rejects.toThrow(/Clé privée OpenPGP absente/);
    const restore = new BackupEncryption({ kind: 'pgp', publicKeyPath: null, privateKeyPath, passphrase: 'phrase secrète' });
    await restore.decryptFile(enc, path.join(dir, 'sortie'));
    expect(fs.readFileSync(path.join(dir, 'sortie')).equals(plain)).toBe(true);
    fs.rmSync(path.join(dir, 'sortie'));
  });

  it('refuses another private key, a wrong passphrase and a changed byte, leaving no output', async () => {
    const enc = path.join(dir, 'a.pgp');
    const other = new BackupEncryption({ kind: 'pgp', publicKeyPath: null, privateKeyPath: otherPrivateKeyPath, passphrase: null });
    await expect(other.decryptFile(enc, path.join(dir, 'sortie'))).rejects.toThrow(BackupDecryptionError);
    const badPhrase = new BackupEncryption({ kind: 'pgp', publicKeyPath: null, privateKeyPath, passphrase: 'autre' });
    await expect(badPhrase.decryptFile(enc, path.join(dir, 'sortie'))).rejects.toThrow(/Phrase de passe/);
    const bytes = fs.readFileSync(enc);
    bytes[150_000] = (bytes[150_000] as number) ^ 0x01;
    fs.writeFileSync(path.join(dir, 'altere.pgp'), bytes);
    const restore = new BackupEncryption({ kind: 'pgp', publicKeyPath: null, privateKeyPath, passphrase: 'phrase secrète' });
    await expect(restore.decryptFile(path.join(dir, 'altere.pgp'), path.join(dir, 'sortie'))).rejects.toThrow(/altérée/);
    expect(leftovers()).toEqual([]);
  });
});

describe('the off-site configuration', () => {
  const s3 = {
    BACKUP_S3_ENDPOINT: 'https://s3.example.test',
    BACKUP_S3_BUCKET: 'sauvegardes',
    BACKUP_S3_ACCESS_KEY_ID: 'identifiant',
    BACKUP_S3_SECRET_ACCESS_KEY: 'secret',
  };
  const hexKey = crypto.randomBytes(32).toString('hex');

  it('is off unless set; all of BACKUP_S3_… or none, and always with a key', () => {
    expect(loadConfig({}).backupOffsite).toBeNull();
    expect(() => loadConfig({ BACKUP_S3_BUCKET: 'sauvegardes', BACKUP_ENCRYPTION_KEY: hexKey })).toThrow(ConfigError);
    expect(() => loadConfig({ BACKUP_S3_BUCKET: 'sauvegardes', BACKUP_ENCRYPTION_KEY: hexKey })).toThrow(
      /BACKUP_S3_ENDPOINT : est obligatoire dès que la sauvegarde hors site est configurée/,
    );
    expect(() => loadConfig(s3)).toThrow(/toujours chiffrées : donnez BACKUP_ENCRYPTION_KEY ou BACKUP_PGP_PUBLIC_KEY/);
    expect(() => loadConfig({ ...s3, BACKUP_ENCRYPTION_KEY: 'trop-courte' })).toThrow(/32 octets en base64 ou en hexadécimal/);
    expect(() => loadConfig({ ...s3, BACKUP_ENCRYPTION_KEY: hexKey, BACKUP_PGP_PUBLIC_KEY: 'cle.asc' })).toThrow(/pas les deux/);
  });

  it('reads the key in hexadecimal or base64, the prefix as a folder, and the retention counts', () => {
    const key32 = crypto.randomBytes(32);
    const config = loadConfig({ ...s3, BACKUP_ENCRYPTION_KEY: key32.toString('base64'), BACKUP_S3_PREFIX: '/entraide/prod/', BACKUP_S3_KEEP_WEEKLY: '4' });
    expect(config.backupEncryption).toEqual({ kind: 'aes', key: key32 });
    expect(config.backupOffsite).toMatchObject({ prefix: 'entraide/prod/', region: 'us-east-1', keep: { daily: 14, weekly: 4, monthly: 12 } });
    expect(loadConfig({ ...s3, BACKUP_ENCRYPTION_KEY: key32.toString('hex') }).backupEncryption).toEqual({ kind: 'aes', key: key32 });
    expect(loadConfig({ ...s3, BACKUP_PGP_PUBLIC_KEY: 'cle.asc' }).backupEncryption).toMatchObject({ kind: 'pgp', privateKeyPath: null });
  });
});
