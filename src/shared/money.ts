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

/** 123456 → "1234,56" (the value put back into an amount input). */
export function centsToInput(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}
