import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as openpgp from 'openpgp';
import type { BackupEncryptionConfig } from '../config';
import { DomainError } from '../shared/errors';

/** A backup that cannot be opened: wrong key, altered or truncated file, not one of ours. */
export class BackupDecryptionError extends DomainError {}

/**
 * The format of a backup encrypted with BACKUP_ENCRYPTION_KEY (AES-256-GCM), version 1:
 *
 *   offset 0   8 bytes  magic "ENTRBKUP"
 *   offset 8   1 byte   version (1)
 *   offset 9   8 bytes  key id: the first 8 bytes of SHA-256("entraide-backup-key" ‖ key)
 *   offset 17 12 bytes  IV (random for each file)
 *   offset 29  …        ciphertext (same length as the plaintext)
 *   last 16 bytes       GCM authentication tag
 *
 * The 29-byte header is the GCM additional data: changing any byte of the file, header included,
 * fails the tag. The key id only lets a wrong key be named as such before anything is decrypted.
 */
export const AES_MAGIC = Buffer.from('ENTRBKUP', 'ascii');
export const AES_VERSION = 1;
const HEADER_BYTES = AES_MAGIC.length + 1 + 8 + 12;
const TAG_BYTES = 16;

const keyId = (key: Buffer) => crypto.createHash('sha256').update('entraide-backup-key').update(key).digest().subarray(0, 8);

/** Writes `dest` through a temporary file: renamed once complete, removed on failure. */
async function viaTemporary(dest: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = `${dest}.${crypto.randomBytes(4).toString('hex')}.part`;
  try {
    await write(temp);
    fs.renameSync(temp, dest);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Encrypts and decrypts backup files, streamed (a backup never sits in memory whole). Two modes:
 * AES-256-GCM with a symmetric key (the format above), or OpenPGP to a public key — then this
 * server can encrypt but not decrypt: the private key is given only where a restore runs.
 * Decryption writes a temporary file and renames it only once the file proved authentic.
 */
export class BackupEncryption {
  private pgpKeys: Promise<{ public: openpgp.PublicKey | null; private: openpgp.PrivateKey | null }> | null = null;

  constructor(private readonly config: BackupEncryptionConfig) {}

  /** The suffix of an encrypted file: `.enc` (AES-256-GCM) or `.pgp` (OpenPGP, binary). */
  get extension(): '.enc' | '.pgp' {
    return this.config.kind === 'aes' ? '.enc' : '.pgp';
  }

  get mode(): 'aes-256-gcm' | 'openpgp' {
    return this.config.kind === 'aes' ? 'aes-256-gcm' : 'openpgp';
  }

  async encryptFile(source: string, dest: string): Promise<void> {
    await viaTemporary(dest, (temp) => (this.config.kind === 'aes' ? this.encryptAes(this.config.key, source, temp) : this.encryptPgp(source, temp)));
  }

  /** Decrypts `source` into `dest`; refuses (BackupDecryptionError, nothing left at `dest`) a wrong key or an altered file. */
  async decryptFile(source: string, dest: string): Promise<void> {
    await viaTemporary(dest, (temp) => (this.config.kind === 'aes' ? this.decryptAes(this.config.key, source, temp) : this.decryptPgp(source, temp)));
  }

  private async encryptAes(key: Buffer, source: string, dest: string): Promise<void> {
    const iv = crypto.randomBytes(12);
    const header = Buffer.concat([AES_MAGIC, Buffer.from([AES_VERSION]), keyId(key), iv]);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(header);
    await pipeline(
      fs.createReadStream(source),
      async function* (chunks: AsyncIterable<Buffer>) {
        yield header;
        for await (const chunk of chunks) yield cipher.update(chunk);
        yield cipher.final();
        yield cipher.getAuthTag();
      },
      fs.createWriteStream(dest),
    );
  }

  private async decryptAes(key: Buffer, source: string, dest: string): Promise<void> {
    const size = fs.statSync(source).size;
    const head = Buffer.alloc(HEADER_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    const fd = fs.openSync(source, 'r');
    try {
      if (size < HEADER_BYTES + TAG_BYTES) throw new BackupDecryptionError('Fichier chiffré tronqué ou illisible : ce n’est pas une sauvegarde complète');
      fs.readSync(fd, head, 0, HEADER_BYTES, 0);
      fs.readSync(fd, tag, 0, TAG_BYTES, size - TAG_BYTES);
    } finally {
      fs.closeSync(fd);
    }
    if (!head.subarray(0, AES_MAGIC.length).equals(AES_MAGIC))
      throw new BackupDecryptionError('Ce fichier n’est pas une sauvegarde chiffrée d’Entraide (en-tête inconnu)');
    const version = head[AES_MAGIC.length];
    if (version !== AES_VERSION) throw new BackupDecryptionError(`Version de format de sauvegarde chiffrée inconnue (${String(version)})`);
    if (!head.subarray(AES_MAGIC.length + 1, AES_MAGIC.length + 9).equals(keyId(key)))
      throw new BackupDecryptionError('Mauvaise clé : cette sauvegarde a été chiffrée avec une autre BACKUP_ENCRYPTION_KEY');
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, head.subarray(AES_MAGIC.length + 9));
    decipher.setAAD(head);
    decipher.setAuthTag(tag);
    try {
      await pipeline(fs.createReadStream(source, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 }), decipher, fs.createWriteStream(dest));
    } catch (error) {
      if (error instanceof Error && /authenticate/i.test(error.message))
        throw new BackupDecryptionError(
          'Sauvegarde altérée : l’étiquette d’authentification AES-GCM ne correspond pas (fichier modifié, tronqué ou autre clé)',
        );
      throw error;
    }
  }

  private async encryptPgp(source: string, dest: string): Promise<void> {
    const keys = await this.loadPgp();
    const encryptionKey = keys.public ?? keys.private?.toPublic();
    if (!encryptionKey) throw new Error('BACKUP_PGP_PUBLIC_KEY manquante : impossible de chiffrer la sauvegarde');
    const message = await openpgp.createMessage({ binary: Readable.toWeb(fs.createReadStream(source)) });
    const encrypted = (await openpgp.encrypt({ message, encryptionKeys: encryptionKey, format: 'binary' })) as unknown as WebReadableStream<Uint8Array>;
    await pipeline(Readable.fromWeb(encrypted), fs.createWriteStream(dest));
  }

  private async decryptPgp(source: string, dest: string): Promise<void> {
    const keys = await this.loadPgp();
    if (!keys.private)
      throw new BackupDecryptionError(
        'Clé privée OpenPGP absente (BACKUP_PGP_PRIVATE_KEY) : ce serveur chiffre les sauvegardes mais ne peut pas les déchiffrer, donnez-la seulement là où la restauration a lieu',
      );
    let decrypted: WebReadableStream<Uint8Array>;
    try {
      const message = await openpgp.readMessage({ binaryMessage: Readable.toWeb(fs.createReadStream(source)) });
      // the plaintext is streamed into the temporary file before the integrity check at the end: it is renamed only if that passes
      const result = await openpgp.decrypt({ message, decryptionKeys: keys.private, format: 'binary', config: { allowUnauthenticatedStream: true } });
      decrypted = result.data as WebReadableStream<Uint8Array>;
    } catch (error) {
      throw pgpRefusal(error);
    }
    try {
      await pipeline(Readable.fromWeb(decrypted), fs.createWriteStream(dest));
    } catch (error) {
      throw pgpRefusal(error);
    }
  }

  private loadPgp() {
    const config = this.config;
    if (config.kind !== 'pgp') throw new Error('not in OpenPGP mode');
    this.pgpKeys ??= (async () => {
      const publicKey = config.publicKeyPath ? await openpgp.readKey({ armoredKey: fs.readFileSync(config.publicKeyPath, 'utf8') }) : null;
      let privateKey: openpgp.PrivateKey | null = null;
      if (config.privateKeyPath) {
        const locked = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(config.privateKeyPath, 'utf8') });
        try {
          privateKey = locked.isDecrypted() ? locked : await openpgp.decryptKey({ privateKey: locked, passphrase: config.passphrase ?? '' });
        } catch {
          throw new BackupDecryptionError('Phrase de passe de la clé privée OpenPGP incorrecte (BACKUP_PGP_PASSPHRASE)');
        }
      }
      return { public: publicKey, private: privateKey };
    })();
    return this.pgpKeys;
  }
}

function pgpRefusal(error: unknown): BackupDecryptionError {
  if (error instanceof BackupDecryptionError) return error;
  const why = error instanceof Error ? error.message : String(error);
  if (/session key|no.*key|decryption key|key packet|public key encrypted/i.test(why))
    return new BackupDecryptionError('Mauvaise clé : cette sauvegarde n’est pas chiffrée pour la clé privée OpenPGP donnée');
  return new BackupDecryptionError(`Sauvegarde altérée ou illisible (OpenPGP : ${why.slice(0, 200)})`);
}
