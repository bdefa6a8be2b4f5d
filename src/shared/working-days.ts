import { addDays } from './dates';

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const FIXED_HOLIDAYS = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'];

/** French public holidays of metropolitan France: the eight fixed ones, Easter Monday, Ascension, Whit Monday. */
export function isFrenchPublicHoliday(date: string): boolean {
  if (FIXED_HOLIDAYS.includes(date.slice(5))) return true;
  const easter = easterSunday(Number(date.slice(0, 4)));
  return [1, 39, 50].some((offset) => addDays(easter, offset) === date);
}

/** A day an office works: Monday to Friday, not a public holiday. Dates are 'YYYY-MM-DD'. */
export function isWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !isFrenchPublicHoliday(date);
}

/**
 * The `count`-th working day after a date (before it when negative); the date itself when 0.
 * Distinct counts give distinct days, whatever the weekday one starts from.
 */
export function addWorkingDays(date: string, count: number): string {
  let d = date;
  const step = count < 0 ? -1 : 1;
  for (let left = Math.abs(count); left > 0;) {
    d = addDays(d, step);
    if (isWorkingDay(d)) left -= 1;
  }
  return d;
}
