import { createHash, createHmac } from 'node:crypto';
import { FieldCipher, FieldCipherError } from '../../src/shared/field-cipher';

const key = (byte: number) => Buffer.alloc(32, byte);
const k1 = new FieldCipher({ currentKeyId: 'k1', keys: { k1: key(1) } });
const k2WithK1 = new FieldCipher({ currentKeyId: 'k2', keys: { k1: key(1), k2: key(2) } });
const IBAN = 'FR7630006000011234567890189';

describe('FieldCipher', () => {
  it('encrypts to enc:v1:<key id>:<data> and reads the value back', () => {
    const sealed = k1.encrypt(IBAN, 'bank_accounts.iban');
    expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(IBAN);
    expect(k1.decrypt(sealed, 'bank_accounts.iban')).toBe(IBAN);
    expect(k1.decrypt(k1.encrypt('Notes : « très » ému — 😊', 'mission_sessions.private_notes'), 'mission_sessions.private_notes')).toBe(
      'Notes : « très » ému — 😊',
    );
    expect(k1.decrypt(k1.encrypt('', 'mission_sessions.summary'), 'mission_sessions.summary')).toBe('');
  });

  it('gives a different ciphertext each time (random IV)', () => {
    expect(k1.encrypt(IBAN, 'bank_accounts.iban')).not.toBe(k1.encrypt(IBAN, 'bank_accounts.iban'));
  });

  it('reads a value without the enc: prefix as legacy plaintext', () => {
    expect(k1.decrypt(IBAN, 'bank_accounts.iban')).toBe(IBAN);
    expect(k1.decryptNullable(null, 'bank_accounts.iban')).toBeNull();
    expect(k1.needsRotation(IBAN)).toBe(true);
    expect(k1.needsRotation(null)).toBe(false);
  });

  it('refuses an altered value', () => {
    const sealed = k1.encrypt(IBAN, 'bank_accounts.iban');
    const data = Buffer.from(sealed.split(':')[3] as string, 'base64url');
    for (const at of [0, 13, data.length - 1]) {
      const altered = Buffer.from(data);
      altered[at] = (altered[at] as number) ^ 1;
      expect(() => k1.decrypt(`enc:v1:k1:${altered.toString('base64url')}`, 'bank_accounts.iban')).toThrow(FieldCipherError);
    }
    expect(() => k1.decrypt('enc:v1:k1:AAAA', 'bank_accounts.iban')).toThrow(/too short/);
    expect(() => k1.decrypt('enc:v1:k1', 'bank_accounts.iban')).toThrow(/unreadable/);
  });

  it('refuses a value moved to another column', () => {
    const sealed = k1.encrypt(IBAN, 'bank_accounts.iban');
    expect(() => k1.decrypt(sealed, 'debtor_accounts.iban')).toThrow(/another column/);
  });

  it('refuses a value whose key id was changed (the key id is authenticated too)', () => {
    const twoSameKeys = new FieldCipher({ currentKeyId: 'a', keys: { a: key(7), b: key(7) } });
    const sealed = twoSameKeys.encrypt(IBAN, 'bank_accounts.iban');
    expect(() => twoSameKeys.decrypt(sealed.replace('enc:v1:a:', 'enc:v1:b:'), 'bank_accounts.iban')).toThrow(FieldCipherError);
  });

  it('names the missing key when a value was written under a key not configured', () => {
    const sealed = k2WithK1.encrypt(IBAN, 'bank_accounts.iban');
    expect(() => k1.decrypt(sealed, 'bank_accounts.iban')).toThrow(/« k2 ».*DATA_ENCRYPTION_OLD_KEYS/);
  });

  it('reads the old key during a rotation and tells which values to rewrite', () => {
    const old = k1.encrypt(IBAN, 'payments.payee_iban');
    expect(k2WithK1.decrypt(old, 'payments.payee_iban')).toBe(IBAN);
    expect(k2WithK1.needsRotation(old)).toBe(true);
    const fresh = k2WithK1.encrypt(IBAN, 'payments.payee_iban');
    expect(fresh.startsWith('enc:v1:k2:')).toBe(true);
    expect(k2WithK1.needsRotation(fresh)).toBe(false);
  });

  it('hashes an IBAN with a key of its own, the same however it is typed, under every known key for lookups', () => {
    const hash = k1.blindIndex(IBAN);
    expect(hash).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(k1.blindIndex('fr76 3000 6000 0112 3456 7890 189')).toBe(hash);
    expect(k1.blindIndex('FR7611315000011234567890138')).not.toBe(hash);
    // not a plain hash of the IBAN, nor the HMAC under the raw encryption key
    expect(hash).not.toContain(createHash('sha256').update(IBAN).digest('hex'));
    expect(hash).not.toContain(createHmac('sha256', key(1)).update(IBAN).digest('hex'));
    expect(k2WithK1.blindIndexes(IBAN)).toEqual([k2WithK1.blindIndex(IBAN), hash]);
    expect(k2WithK1.hashNeedsRotation(hash)).toBe(true);
    expect(k2WithK1.hashNeedsRotation(k2WithK1.blindIndex(IBAN))).toBe(false);
    expect(k2WithK1.hashNeedsRotation(null)).toBe(true);
  });

  it('refuses a configuration whose current key is missing or of the wrong length', () => {
    expect(() => new FieldCipher({ currentKeyId: 'k3', keys: { k1: key(1) } })).toThrow(FieldCipherError);
    expect(() => new FieldCipher({ currentKeyId: 'k1', keys: { k1: Buffer.alloc(16) } })).toThrow(/32 bytes/);
  });
});
