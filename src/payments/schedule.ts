/**
 * A grant's payment schedule: the amount split into instalments in integer cents (the remainder
 * goes to the first instalment, so the sum is exact), due monthly from the first due date, on the
 * same day of the month or the month's last day when it is shorter.
 */
export interface Instalment {
  instalment: number;
  amountCents: number;
  dueDate: string;
}

/** "2026-01-31" + 1 month → "2026-02-28"; the day of the first date is kept when the month allows. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

export function buildSchedule(amountCents: number, instalments: number, firstDueDate: string): Instalment[] {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) throw new RangeError('amount must be a positive integer of cents');
  if (!Number.isInteger(instalments) || instalments < 1 || instalments > amountCents)
    throw new RangeError('instalments must be between 1 and the amount in cents');
  const base = Math.floor(amountCents / instalments);
  const remainder = amountCents - base * instalments;
  return Array.from({ length: instalments }, (_, i) => ({
    instalment: i + 1,
    amountCents: i === 0 ? base + remainder : base,
    dueDate: addMonths(firstDueDate, i),
  }));
}

/** The default first due date proposed to the operator: the 5th of next month (rents fall due early in the month). */
export function defaultFirstDueDate(today: string): string {
  const [y, m] = today.split('-').map(Number) as [number, number];
  return addMonths(`${y}-${String(m).padStart(2, '0')}-05`, 1);
}
