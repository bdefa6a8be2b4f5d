import { addDays } from '../../shared/dates';
import { easterSunday } from '../../shared/working-days';

/**
 * TARGET2 business days (the days SEPA credit transfers settle): every day but Saturdays, Sundays,
 * 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December. Dates are 'YYYY-MM-DD'.
 */

export { easterSunday };

export function isTarget2BusinessDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const monthDay = date.slice(5);
  if (['01-01', '05-01', '12-25', '12-26'].includes(monthDay)) return false;
  const easter = easterSunday(Number(date.slice(0, 4)));
  return date !== addDays(easter, -2) && date !== addDays(easter, 1);
}

/** The first TARGET2 business day strictly after a date: when a file prepared that day is executed. */
export function nextExecutionDate(date: string): string {
  let d = addDays(date, 1);
  while (!isTarget2BusinessDay(d)) d = addDays(d, 1);
  return d;
}
