import fs from 'node:fs';
import * as openpgp from 'openpgp';
import type { FunderPgpConfig } from '../../config';
import type { Flow } from './names';

/** A file that cannot be opened: not encrypted to us, not signed by the funder, altered. */
export class PgpError extends Error {}

/**
 * OpenPGP with the funder (interface agreement §1, openpgp.js with its defaults, v4 keys):
 * Entraide encrypts a flow's data file to the funder's key and signs it with its own; it decrypts
 * a `.jsonl.pgp` it receives with its own key and requires the funder's signature. Keys are read
 * from their armored files once, on first use.
 */
export class FunderPgp {
  private keys: Promise<{ funder: openpgp.PublicKey; own: openpgp.PrivateKey }> | null = null;

  constructor(private readonly config: FunderPgpConfig) {}

  /** Whether Entraide encrypts this flow's files. */
  encrypts(flow: Flow): boolean {
    return this.config.flows.includes(flow);
  }

  async encrypt(data: Buffer): Promise<Buffer> {
    const { funder, own } = await this.loadKeys();
    const message = await openpgp.createMessage({ binary: new Uint8Array(data) });
    // openpgp's types name web streams this project's TypeScript libs do not have: the binary form is a Uint8Array
    const encrypted = (await openpgp.encrypt({ message, encryptionKeys: funder, signingKeys: own, format: 'binary' })) as Uint8Array;
    return Buffer.from(encrypted);
  }

  async decrypt(data: Buffer): Promise<Buffer> {
    const { funder, own } = await this.loadKeys();
    let message: openpgp.Message<Uint8Array>;
    try {
      message = await openpgp.readMessage({ binaryMessage: new Uint8Array(data) });
    } catch {
      throw new PgpError('fichier chiffré illisible (OpenPGP)');
    }
    try {
      const { data: plain, signatures } = (await openpgp.decrypt({
        message,
        decryptionKeys: own,
        verificationKeys: funder,
        expectSigned: true,
        format: 'binary',
      })) as { data: Uint8Array; signatures: Array<{ verified: Promise<boolean> }> };
      await Promise.all(signatures.map((s) => s.verified));
      return Buffer.from(plain);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new PgpError(
        /sign/i.test(why) ? 'signature OpenPGP absente ou invalide : le fichier n’est pas signé par le financeur' : 'déchiffrement OpenPGP impossible',
      );
    }
  }

  private loadKeys() {
    this.keys ??= (async () => {
      const funder = await openpgp.readKey({ armoredKey: fs.readFileSync(this.config.funderPublicKeyPath, 'utf8') });
      const locked = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(this.config.ownPrivateKeyPath, 'utf8') });
      const own = locked.isDecrypted() ? locked : await openpgp.decryptKey({ privateKey: locked, passphrase: this.config.passphrase ?? '' });
      return { funder, own };
    })();
    return this.keys;
  }
}
