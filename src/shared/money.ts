/** Money is integer cents in code; these convert from what people type and back, without floats. */

const AMOUNT_PATTERN = /^(\d{1,10})(?:[,.](\d{1,2}))?$/;

/** "1 234,56" | "1234.5" | "1234" → 123456 cents; null when not a valid non-negative amount. */
export function parseEurosToCents(input: string): number | null {
  const compact = input.replace(/[\s\u00a0\u202f€]/g, '');
  const match = AMOUNT_PATTERN.exec(compact);
  if (!match) return null;
  const euros = Number(match[1]);
  const cents = Number((match[2] ?? '0').padEnd(2, '0'));
  const total = euros * 100 + cents;
  return Number.isSafeInteger(total) ? total : null;
}

/** Integer cents → "1234,56" or "1234.56": computed on integers, never through a float (files, exports, inputs all use it). */
export function centsToDecimal(cents: number | bigint | string, separator: ',' | '.' = ','): string {
  const c = BigInt(cents);
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}${separator}${String(abs % 100n).padStart(2, '0')}`;
}

/** 123456 → "1234,56" (the value put back into an amount input). */
export function centsToInput(cents: number): string {
  return centsToDecimal(cents, ',');
}
