/** Luhn checksum over a string of digits (used by SIREN and SIRET). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** SIREN: 9 digits with a valid Luhn key. */
export function isValidSiren(value: string): boolean {
  return /^\d{9}$/.test(value) && luhnValid(value);
}

const LA_POSTE_SIREN = '356000000';

/**
 * SIRET: 14 digits with a valid Luhn key; La Poste's establishments (SIREN 356000000) use a
 * different rule published by INSEE: the sum of the digits is a multiple of 5.
 */
export function isValidSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  if (value.startsWith(LA_POSTE_SIREN) && value !== '35600000000048') {
    const sum = [...value].reduce((s, c) => s + Number(c), 0);
    return sum % 5 === 0;
  }
  return luhnValid(value);
}

/** Removes the spaces people type in identifiers ("552 100 554" → "552100554"). */
export function compactDigits(value: string): string {
  return value.replace(/[\s.\u00a0-]/g, '');
}
