import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The columns encrypted at rest. The name is the associated data of the cipher: a value copied
 * into another column (or another table) no longer decrypts.
 */
export type EncryptedField =
  | 'aid_requests.payee_iban'
  | 'payments.payee_iban'
  | 'bank_accounts.iban'
  | 'debtor_accounts.iban'
  | 'payment_batch_items.iban'
  | 'users.totp_secret'
  | 'mission_sessions.summary'
  | 'mission_sessions.private_notes'
  | 'request_events.message'
  | 'decisions.validation_comment'
  | 'assistance_events.message';

export interface FieldKeys {
  readonly currentKeyId: string;
  readonly keys: Readonly<Record<string, Buffer>>;
}

/** A value the cipher cannot read: unknown key, altered bytes, or a value moved from another column. */
export class FieldCipherError extends Error {}

const PREFIX = 'enc:';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VALUE = /^enc:v1:([a-z0-9]{1,12}):([A-Za-z0-9_-]+)$/;
const HASH = /^([a-z0-9]{1,12}):[0-9a-f]{64}$/;

/**
 * Encrypts the columns listed in EncryptedField with AES-256-GCM under the key named by
 * DATA_ENCRYPTION_KEY, and computes the keyed hashes (HMAC-SHA-256) that stand in for an
 * encrypted IBAN in SQL lookups.
 *
 * A value reads `enc:v1:<keyId>:<base64url(iv | ciphertext | tag)>`: the key id tells which key
 * decrypts it, so a rotation (new key current, old keys still readable) needs no downtime. A
 * value without the `enc:` prefix is plaintext written before encryption existed (or by a test
 * factory): it reads as itself until `rotate-key` encrypts it. Everything the application writes
 * goes through `encrypt`.
 *
 * A keyed hash reads `<keyId>:<hex>`; its key is derived from the encryption key with HKDF (one
 * secret per key id to keep). A lookup asks for the hashes under every known key
 * (`blindIndexes`), so rows hashed under the old key still match while a rotation runs.
 */
export class FieldCipher {
  private readonly currentKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly hashKeys: ReadonlyMap<string, Buffer>;

  constructor(config: FieldKeys) {
    const keys = new Map<string, Buffer>();
    const hashKeys = new Map<string, Buffer>();
    for (const [id, key] of Object.entries(config.keys)) {
      if (!/^[a-z0-9]{1,12}$/.test(id)) throw new FieldCipherError(`data encryption key id « ${id} »: 1 to 12 lower-case letters or digits`);
      if (key.length !== 32) throw new FieldCipherError(`data encryption key « ${id} »: 32 bytes expected, ${key.length} given`);
      keys.set(id, key);
      hashKeys.set(id, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'entraide:blind-index:v1', 32)));
    }
    if (!keys.has(config.currentKeyId)) throw new FieldCipherError(`data encryption key « ${config.currentKeyId} » is current but not among the keys`);
    this.currentKeyId = config.currentKeyId;
    this.keys = keys;
    this.hashKeys = hashKeys;
  }

  /** The id of the key new values are written under. */
  get keyId(): string {
    return this.currentKeyId;
  }

  encrypt(plain: string, field: EncryptedField): string {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(this.currentKeyId, field));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${VERSION}:${this.currentKeyId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** Encrypts, leaving null (and undefined) as they are. */
  encryptNullable(plain: string | null, field: EncryptedField): string | null;
  encryptNullable(plain: string | null | undefined, field: EncryptedField): string | null | undefined;
  encryptNullable(plain: string | null | undefined, field: EncryptedField): string | null | undefined {
    return plain === null || plain === undefined ? plain : this.encrypt(plain, field);
  }

  decrypt(value: string, field: EncryptedField): string {
    if (!value.startsWith(PREFIX)) return value; // plaintext written before encryption: rotate-key encrypts it
    const match = VALUE.exec(value);
    if (!match) throw new FieldCipherError(`${field}: unreadable encrypted value (format enc:v1:<key id>:<data> expected)`);
    const keyId = match[1] as string;
    const key = this.keys.get(keyId);
    if (!key) {
      throw new FieldCipherError(
        `${field}: value encrypted under the key « ${keyId} », which is not configured — set it in DATA_ENCRYPTION_OLD_KEYS (or DATA_ENCRYPTION_KEY) until rotate-key has re-encrypted every value`,
      );
    }
    const bytes = Buffer.from(match[2] as string, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new FieldCipherError(`${field}: encrypted value too short`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(keyId, field));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new FieldCipherError(`${field}: encrypted value altered, or read from another column than the one it was written to`);
    }
  }

  /** Decrypts, leaving null (and undefined) as they are. */
  decryptNullable(value: unknown, field: EncryptedField): string | null {
    return value === null || value === undefined ? null : this.decrypt(value as string, field);
  }

  /** True for a plaintext value or one encrypted under another key than the current one. */
  needsRotation(value: string | null | undefined): boolean {
    if (value === null || value === undefined) return false;
    return !value.startsWith(`${PREFIX}${VERSION}:${this.currentKeyId}:`);
  }

  /**
   * Encrypts a stored file: `ENC\x01`, the key id's length and the key id, then iv | ciphertext |
   * tag. The associated data names the file's SHA-256 (kept in clear beside it, of the plain
   * bytes): a ciphertext copied onto another file's row no longer decrypts.
   */
  encryptBytes(plain: Buffer, sha256: string): Buffer {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(blobAssociatedData(this.currentKeyId, sha256));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const id = Buffer.from(this.currentKeyId, 'ascii');
    return Buffer.concat([BLOB_MAGIC, Buffer.from([id.length]), id, iv, body, cipher.getAuthTag()]);
  }

  /** The plain bytes of a stored file; bytes stored before encryption (no marker) are returned as they are. */
  decryptBytes(stored: Buffer, sha256: string): Buffer {
    const keyId = blobKeyId(stored);
    if (keyId === null) return stored;
    const key = this.keys.get(keyId);
    if (!key) throw new FieldCipherError(`blobs.data: file encrypted under the key « ${keyId} », which is not configured — set it in DATA_ENCRYPTION_OLD_KEYS`);
    const start = BLOB_MAGIC.length + 1 + keyId.length;
    if (stored.length < start + IV_BYTES + TAG_BYTES) throw new FieldCipherError('blobs.data: encrypted file too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(start, start + IV_BYTES));
      decipher.setAAD(blobAssociatedData(keyId, sha256));
      decipher.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
      return Buffer.concat([decipher.update(stored.subarray(start + IV_BYTES, stored.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new FieldCipherError('blobs.data: encrypted file altered, or moved from another file’s row');
    }
  }

  /** True for a stored file in clear or encrypted under another key than the current one. */
  bytesNeedRotation(stored: Buffer): boolean {
    return blobKeyId(stored) !== this.currentKeyId;
  }

  /** The first bytes of a stored file encrypted under the current key (rotate-key selects the others by them). */
  get currentBlobPrefix(): Buffer {
    const id = Buffer.from(this.currentKeyId, 'ascii');
    return Buffer.concat([BLOB_MAGIC, Buffer.from([id.length]), id]);
  }

  /** The keyed hash of a value under the current key: `<keyId>:<hex>`. Spaces are ignored and letters upper-cased (an IBAN typed either way). */
  blindIndex(value: string): string {
    return this.hashUnder(this.currentKeyId, value);
  }

  /** The keyed hash under every known key, current first: a lookup matches rows hashed before or during a rotation. */
  blindIndexes(value: string): string[] {
    return [this.currentKeyId, ...[...this.hashKeys.keys()].filter((id) => id !== this.currentKeyId)].map((id) => this.hashUnder(id, value));
  }

  /** True for a missing hash or one computed under another key than the current one. */
  hashNeedsRotation(hash: string | null | undefined): boolean {
    return !hash || HASH.exec(hash)?.[1] !== this.currentKeyId;
  }

  private hashUnder(keyId: string, value: string): string {
    const normalised = value.replace(/\s/g, '').toUpperCase();
    return `${keyId}:${createHmac('sha256', this.hashKeys.get(keyId) as Buffer)
      .update(normalised, 'utf8')
      .digest('hex')}`;
  }
}

function associatedData(keyId: string, field: EncryptedField): Buffer {
  return Buffer.from(`${PREFIX}${VERSION}:${keyId}:${field}`, 'utf8');
}

/** The marker of an encrypted stored file ("ENC" and format 1): no PDF, image or XML starts with it. */
const BLOB_MAGIC = Buffer.from([0x45, 0x4e, 0x43, 0x01]);

/** The key id of an encrypted stored file, or null for a file in clear. */
function blobKeyId(stored: Buffer): string | null {
  if (stored.length < BLOB_MAGIC.length + 1 || !stored.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) return null;
  const length = stored[BLOB_MAGIC.length] as number;
  const id = stored.subarray(BLOB_MAGIC.length + 1, BLOB_MAGIC.length + 1 + length).toString('ascii');
  if (!/^[a-z0-9]{1,12}$/.test(id)) throw new FieldCipherError('blobs.data: unreadable encrypted file (key id)');
  return id;
}

function blobAssociatedData(keyId: string, sha256: string): Buffer {
  return Buffer.from(`${PREFIX}${VERSION}:${keyId}:blobs.data:${sha256}`, 'utf8');
}
