import { createHash } from 'node:crypto';
import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';

export interface StoredBlob {
  id: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** A row of blobs: data is the stored bytes (encrypted, or plain for files stored before encryption). */
interface BlobRow {
  id: string;
  content_type: string;
  size: number;
  sha256: string;
  /** node-pg gives a Buffer, PGlite a Uint8Array. */
  data: Buffer | Uint8Array;
  created_at: Date;
}

/** Where files live. The database store is the default; an S3-compatible one can replace it. */
export interface BlobStore {
  put(db: Db, data: Buffer, contentType: string): Promise<StoredBlob>;
  get(db: Db, id: string): Promise<(StoredBlob & { data: Buffer }) | null>;
  /** Deletes a blob nothing refers to any more (a received file discarded). */
  remove(db: Db, id: string): Promise<void>;
}

/**
 * Files in the `blobs` table, encrypted at rest (AES-256-GCM, DATA_ENCRYPTION_KEY) when given the
 * application's cipher: uploaded RIBs and documents, letters and the pain.001 files hold IBANs and
 * personal data. Size and SHA-256 are of the plain bytes; files stored before encryption read as
 * they are until rotate-key encrypts them.
 */
export class DatabaseBlobStore implements BlobStore {
  constructor(private readonly cipher: FieldCipher | null = null) {}

  async put(db: Db, data: Buffer, contentType: string): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const stored = this.cipher ? this.cipher.encryptBytes(data, sha256) : data;
    const [row] = await db<BlobRow>('blobs')
      .insert({ content_type: contentType, size: data.length, sha256, data: stored })
      .returning<Array<Pick<BlobRow, 'id'>>>('id');
    return { id: row!.id, contentType, size: data.length, sha256 };
  }

  async remove(db: Db, id: string): Promise<void> {
    await db('blobs').where({ id }).delete();
  }

  async get(db: Db, id: string): Promise<(StoredBlob & { data: Buffer }) | null> {
    const row = await db<BlobRow>('blobs').where({ id }).first();
    if (!row) return null;
    const stored = Buffer.from(row.data);
    if (!this.cipher && stored.subarray(0, 3).toString('latin1') === 'ENC')
      throw new Error('blobs.data: an encrypted file read without the data encryption key');
    const data = this.cipher ? this.cipher.decryptBytes(stored, row.sha256) : stored;
    return { id: row.id, contentType: row.content_type, size: row.size, sha256: row.sha256, data };
  }
}
