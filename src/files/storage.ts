import { createHash } from 'node:crypto';
import type { Db } from '../db/types';

export interface StoredBlob {
  id: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** Where files live. The database store is the default; an S3-compatible one can replace it. */
export interface BlobStore {
  put(db: Db, data: Buffer, contentType: string): Promise<StoredBlob>;
  get(db: Db, id: string): Promise<(StoredBlob & { data: Buffer }) | null>;
  /** Deletes a blob nothing refers to any more (a received file discarded). */
  remove(db: Db, id: string): Promise<void>;
}

export class DatabaseBlobStore implements BlobStore {
  async put(db: Db, data: Buffer, contentType: string): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const [row] = await db('blobs').insert({ content_type: contentType, size: data.length, sha256, data }).returning('id');
    return { id: (row as { id: string }).id, contentType, size: data.length, sha256 };
  }

  async remove(db: Db, id: string): Promise<void> {
    await db('blobs').where({ id }).delete();
  }

  async get(db: Db, id: string): Promise<(StoredBlob & { data: Buffer }) | null> {
    const row = await db('blobs').where({ id }).first();
    if (!row) return null;
    return { id: row.id, contentType: row.content_type, size: row.size, sha256: row.sha256, data: Buffer.from(row.data) };
  }
}
