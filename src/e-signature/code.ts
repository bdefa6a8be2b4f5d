import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** The one-time code that signs: 6 digits, valid 10 minutes, 5 tries; a new code starts the count again. */
export const CODE_DIGITS = 6;
export const CODE_MINUTES = 10;
export const CODE_MAX_ATTEMPTS = 5;

export function newCode(): string {
  return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/** Only this keyed hash is stored: the code means nothing for another consent, nor without the server secret. */
export function hashCode(secret: string, signatureId: string, code: string): string {
  return createHmac('sha256', secret).update(`consent-code:v1:${signatureId}:${code}`).digest('hex');
}

export function codeMatches(secret: string, signatureId: string, code: string, stored: string): boolean {
  const a = Buffer.from(hashCode(secret, signatureId, code), 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'blocked' | 'none';

export interface CodeState {
  codeHash: string | null;
  codeExpiresAt: Date | null;
  codeAttempts: number;
}

/** What a typed code gives, before the attempt is counted: the rules in one place (no database). */
export function checkCode(secret: string, signatureId: string, state: CodeState, typed: string, now: Date): CodeCheck {
  if (!state.codeHash || !state.codeExpiresAt) return 'none';
  if (state.codeAttempts >= CODE_MAX_ATTEMPTS) return 'blocked';
  if (now.getTime() >= state.codeExpiresAt.getTime()) return 'expired';
  return codeMatches(secret, signatureId, typed, state.codeHash) ? 'ok' : 'wrong';
}

/** "m•••@exemple.fr": the first letter of the mailbox, the domain (enough to recognise one's address). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}
