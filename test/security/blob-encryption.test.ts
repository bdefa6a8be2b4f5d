import { createHash } from 'node:crypto';
import { FieldCipher, FieldCipherError } from '../../src/shared/field-cipher';
import { DatabaseBlobStore } from '../../src/files/storage';
import { rotateKeys } from '../../src/db/rotate-key';
import { useWorld } from '../support/world';

/** Stored files (RIBs, documents, letters, pain.001) are encrypted at rest like the columns (ASVS 6.1.1). */
const key = (byte: number) => Buffer.alloc(32, byte);
const k1 = new FieldCipher({ currentKeyId: 'k1', keys: { k1: key(1) } });
const k2WithK1 = new FieldCipher({ currentKeyId: 'k2', keys: { k1: key(1), k2: key(2) } });
const RIB = Buffer.from('%PDF-1.4\nRIB : FR76 3000 6000 0112 3456 7890 189 — SA HLM Alpha\n%%EOF\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('stored files encrypted at rest', () => {
  it('reads back byte for byte, bound to its SHA-256: moved onto another file’s row it no longer decrypts', () => {
    const sealed = k1.encryptBytes(RIB, sha(RIB));
    expect(sealed.subarray(0, 6).toString('latin1')).toBe('ENC\u0001\u0002k');
    expect(sealed.includes(Buffer.from('FR76'))).toBe(false);
    expect(k1.decryptBytes(sealed, sha(RIB)).equals(RIB)).toBe(true);
    expect(() => k1.decryptBytes(sealed, sha(Buffer.from('autre')))).toThrow(FieldCipherError);
    const altered = Buffer.from(sealed);
    altered[altered.length - 20] = (altered[altered.length - 20] as number) ^ 1;
    expect(() => k1.decryptBytes(altered, sha(RIB))).toThrow(/altered/);
    // a file stored before encryption reads as it is
    expect(k1.decryptBytes(RIB, sha(RIB)).equals(RIB)).toBe(true);
    expect(k1.bytesNeedRotation(RIB)).toBe(true);
    expect(k1.bytesNeedRotation(sealed)).toBe(false);
    expect(k2WithK1.bytesNeedRotation(sealed)).toBe(true);
    expect(k2WithK1.decryptBytes(sealed, sha(RIB)).equals(RIB)).toBe(true);
  });

  describe('in the database', () => {
    const t = useWorld();

    it('holds ciphertext in blobs.data; a store without the key refuses to hand it out; rotate-key moves every file to the new key', async () => {
      const store = new DatabaseBlobStore(k1);
      const stored = await store.put(t.ctx.knex, RIB, 'application/pdf');
      expect(stored).toMatchObject({ size: RIB.length, sha256: sha(RIB) });
      const raw = Buffer.from((await t.ctx.knex('blobs').where({ id: stored.id }).first()).data);
      expect(raw.includes(Buffer.from('FR76'))).toBe(false);
      expect((await store.get(t.ctx.knex, stored.id))?.data.equals(RIB)).toBe(true);
      await expect(new DatabaseBlobStore().get(t.ctx.knex, stored.id)).rejects.toThrow(/without the data encryption key/);

      const legacy = await new DatabaseBlobStore().put(t.ctx.knex, RIB, 'application/pdf'); // written before encryption
      const counts = await rotateKeys(t.ctx.knex, k2WithK1, { batchSize: 1 });
      expect(counts.find((c) => c.table === 'blobs')).toMatchObject({ rewritten: expect.any(Number), skipped: 0 });
      for (const id of [stored.id, legacy.id]) {
        const row = Buffer.from((await t.ctx.knex('blobs').where({ id }).first()).data);
        expect(row.subarray(0, 7).toString('latin1')).toBe('ENC\u0001\u0002k2');
        expect((await new DatabaseBlobStore(k2WithK1).get(t.ctx.knex, id))?.data.equals(RIB)).toBe(true);
      }
      const again = await rotateKeys(t.ctx.knex, k2WithK1);
      expect(again.find((c) => c.table === 'blobs')?.rewritten).toBe(0);
    });
  });
});
