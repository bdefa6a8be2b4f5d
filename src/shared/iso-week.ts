import { addDays, mondayOf, parisDate, parisDateTime } from './dates';

/** An ISO week: its key (`2026-W48`), its Monday and the instants it starts and ends, Paris time. */
export interface IsoWeek {
  key: string;
  monday: string;
  start: Date;
  end: Date;
}

/** The ISO 8601 week of a calendar date: the week belongs to the year of its Thursday. */
export function isoWeekOf(date: string): IsoWeek {
  const monday = mondayOf(date);
  const thursday = addDays(monday, 3);
  const year = Number(thursday.slice(0, 4));
  // the first week of a year is the one holding 4 January
  const firstMonday = mondayOf(`${year}-01-04`);
  const week = Math.round((Date.parse(`${monday}T12:00:00Z`) - Date.parse(`${firstMonday}T12:00:00Z`)) / (7 * 86_400_000)) + 1;
  return {
    key: `${year}-W${String(week).padStart(2, '0')}`,
    monday,
    start: parisDateTime(monday, '00:00') as Date,
    end: parisDateTime(addDays(monday, 7), '00:00') as Date,
  };
}

/** The ISO week an instant falls in on a Paris clock (the self-audit's period key). */
export function isoWeekKey(now: Date): string {
  return isoWeekOf(parisDate(now)).key;
}

/** The Monday of an ISO week key, or null when the key is not a real week. */
export function mondayOfKey(key: string): string | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  const firstMonday = mondayOf(`${year}-01-04`);
  const monday = addDays(firstMonday, (week - 1) * 7);
  return week >= 1 && isoWeekOf(monday).key === key ? monday : null;
}

/** The week a report made during `key` looks back on: the ISO week before it, Monday 00:00 to Monday 00:00, Paris time. */
export function coveredWeek(key: string): IsoWeek {
  const monday = mondayOfKey(key);
  if (!monday) throw new Error(`not an ISO week: ${key}`);
  return isoWeekOf(addDays(monday, -7));
}
