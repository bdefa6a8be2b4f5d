import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson, chainHash, GENESIS_HASH, verifyChain, type ChainEvent } from '../../src/e-signature/chain';
import { checkCode, CODE_MAX_ATTEMPTS, hashCode, maskEmail, newCode } from '../../src/e-signature/code';
import { CONSENT_TEXT_VERSION, type ConsentContext } from '../../src/e-signature/consent-text';
import { consentPdf, signedDocumentPdf } from '../../src/e-signature/pdf';
import { DEMO_SUBJECT, describeIdentity, selfSignedIdentity, signPdf } from '../../src/e-signature/signer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-esign-'));
const pdfText = (pdf: Buffer): string => {
  const file = path.join(dir, `t-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
};
const pdfsig = (pdf: Buffer): string => {
  const file = path.join(dir, `s-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync('pdfsig', ['-nocert', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
  } catch (e) {
    return String((e as { stdout?: Buffer }).stdout ?? '');
  }
};

const CONTEXT: ConsentContext = {
  associationName: 'Association Entraide Logement',
  landlordName: 'Bailleur Alpha',
  signerName: 'Julie Martin',
  requestLabel: 'demande 2026-00042',
  aidLabel: 'Aide au maintien dans le logement',
  funderAsd: true,
};
const AT = new Date('2026-11-23T09:00:00Z');

describe('consent text and signed PDF', () => {
  const identity = selfSignedIdentity(AT, 'secret');

  test('the consent text names the purposes, the recipients (the funder’s ASD service when it oriented), the retention and the rights', async () => {
    const text = pdfText(await consentPdf(CONTEXT, AT));
    for (const expected of [
      'Pourquoi nous utilisons vos données',
      'Bailleur Alpha',
      'Association Entraide Logement',
      'Action Logement',
      'Combien de temps',
      'Vos droits',
      'CNIL',
      CONSENT_TEXT_VERSION,
      'd’accord',
    ])
      expect(text).toContain(expected);
    const without = pdfText(await consentPdf({ ...CONTEXT, funderAsd: false }, AT));
    expect(without).not.toContain('Action Logement');
  });

  test('the same text at the same time gives the same bytes (the signed-over hash is stable)', async () => {
    expect((await consentPdf(CONTEXT, AT)).equals(await consentPdf(CONTEXT, AT))).toBe(true);
  });

  test('the signed PDF carries a signature pdfsig validates, by the demonstration certificate (accents kept)', async () => {
    const pdf = await signedDocumentPdf(CONTEXT, {
      signatureId: 'sig-1',
      documentSha256: 'a'.repeat(64),
      signerName: 'Julie Martin',
      sentTo: 'j•••@exemple.fr',
      codeSentAt: AT,
      signedAt: AT,
      ip: '203.0.113.7',
      certificateSubject: DEMO_SUBJECT,
    });
    const signed = await signPdf(pdf, identity, { reason: 'Consentement', name: 'Entraide', location: 'France', contactInfo: 'http://x', signingTime: AT });
    const report = pdfsig(signed);
    expect(report).toContain('Signature is Valid');
    expect(report).toContain('Total document signed');
    expect(report).toContain(`Common Name: ${DEMO_SUBJECT}`);
    const text = pdfText(signed);
    expect(text).toContain('Signature électronique');
    expect(text).toContain('j•••@exemple.fr');
    expect(text).toContain('a'.repeat(64));
    // one byte changed inside the signed range: the signature no longer validates
    const tampered = Buffer.from(signed);
    const at = tampered.indexOf('/Title');
    tampered.write('/Titre', at, 'latin1');
    expect(pdfsig(tampered)).not.toContain('Signature is Valid');
  });

  test('the identity names its certificate and fingerprint', () => {
    const d = describeIdentity(identity);
    expect(d.subject).toBe(DEMO_SUBJECT);
    expect(d.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('one-time code rules', () => {
  const secret = 'x'.repeat(40);
  const now = new Date('2026-11-23T09:00:00Z');
  const state = (code: string, o: { attempts?: number; expiresAt?: Date } = {}) => ({
    codeHash: hashCode(secret, 'sig', code),
    codeExpiresAt: o.expiresAt ?? new Date(now.getTime() + 10 * 60_000),
    codeAttempts: o.attempts ?? 0,
  });

  test('a code has 6 digits', () => {
    for (let i = 0; i < 50; i++) expect(newCode()).toMatch(/^\d{6}$/);
  });
  test('the right code within 10 minutes signs; a wrong one does not', () => {
    expect(checkCode(secret, 'sig', state('123456'), '123456', now)).toBe('ok');
    expect(checkCode(secret, 'sig', state('123456'), '123457', now)).toBe('wrong');
  });
  test('the code is tied to its signature', () => {
    expect(checkCode(secret, 'other', state('123456'), '123456', now)).toBe('wrong');
  });
  test('a code is expired at its tenth minute', () => {
    expect(checkCode(secret, 'sig', state('123456', { expiresAt: now }), '123456', now)).toBe('expired');
  });
  test(`after ${CODE_MAX_ATTEMPTS} failed tries even the right code is refused`, () => {
    expect(checkCode(secret, 'sig', state('123456', { attempts: CODE_MAX_ATTEMPTS }), '123456', now)).toBe('blocked');
    expect(checkCode(secret, 'sig', state('123456', { attempts: CODE_MAX_ATTEMPTS - 1 }), '123456', now)).toBe('ok');
  });
  test('no code asked: none', () => {
    expect(checkCode(secret, 'sig', { codeHash: null, codeExpiresAt: null, codeAttempts: 0 }, '123456', now)).toBe('none');
  });
  test('the address is shown masked', () => {
    expect(maskEmail('marie.dupont@exemple.fr')).toBe('m•••@exemple.fr');
  });
});

describe('event chain', () => {
  const make = (): ChainEvent[] => {
    const out: ChainEvent[] = [];
    let prev = GENESIS_HASH;
    for (const [i, kind] of (['requested', 'viewed', 'code_sent', 'signed'] as const).entries()) {
      const body = { signatureId: 's', seq: i + 1, kind, occurredAt: `2026-11-23T09:0${i}:00.000Z`, data: { n: i, nested: { b: 1, a: 'é' } } };
      const hash = chainHash(prev, body);
      out.push({ ...body, prevHash: prev, hash });
      prev = hash;
    }
    return out;
  };
  test('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
  test('an untouched chain verifies', () => {
    expect(verifyChain(make())).toEqual({ valid: true, length: 4 });
  });
  test('a changed event, a removed one or a reordering breaks the chain', () => {
    const changed = make();
    changed[1]!.data = { n: 99 };
    expect(verifyChain(changed)).toMatchObject({ valid: false, brokenAt: 2 });
    const removed = make();
    removed.splice(1, 1);
    expect(verifyChain(removed).valid).toBe(false);
    const swapped = make();
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifyChain(swapped).valid).toBe(false);
    const rehashed = make();
    rehashed[2]!.data = { n: 7 };
    rehashed[2]!.hash = chainHash(rehashed[2]!.prevHash, rehashed[2]!);
    expect(verifyChain(rehashed)).toMatchObject({ valid: false, brokenAt: 4 });
  });
});
