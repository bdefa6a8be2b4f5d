import { isFrenchPublicHoliday } from '../../shared/working-days';
import { addDays, addMonths, parisDate, parisDateTime, parisTime } from '../../shared/dates';

/** How an appointment is held. */
export type SlotMode = 'in_person' | 'phone' | 'video';

/** A weekly opening: every `weekday` (1 = Monday … 7 = Sunday) from `from` to `to` on a Paris clock. */
export interface WeeklyOpening {
  weekday: number;
  from: string;
  to: string;
  mode: SlotMode;
  place: string;
}

/**
 * A change to the weekly openings over the days `startsOn`–`endsOn` (inclusive): `closed` takes
 * the whole days off (or only `from`–`to` of each), `open` adds an opening from `from` to `to`.
 */
export interface AvailabilityException {
  kind: 'closed' | 'open';
  startsOn: string;
  endsOn: string;
  from: string | null;
  to: string | null;
  mode: SlotMode | null;
  place: string | null;
}

/** A time already given (a live appointment). */
export interface BusyTime {
  startsAt: Date;
  durationMinutes: number;
}

export interface Slot {
  startsAt: Date;
  /** the Paris day and time, "AAAA-MM-JJ" and "HH:MM" */
  date: string;
  time: string;
  durationMinutes: number;
  mode: SlotMode;
  place: string;
}

export interface SlotQuery {
  weekly: readonly WeeklyOpening[];
  exceptions: readonly AvailabilityException[];
  busy: readonly BusyTime[];
  durationMinutes: number;
  now: Date;
  /** the first and last Paris day to look at (inclusive); clipped to the notice and the horizon */
  fromDate: string;
  toDate: string;
  noticeHours?: number;
  horizonMonths?: number;
}

/** A slot is booked at least this long before it starts. */
export const MIN_NOTICE_HOURS = 24;
/** …and at most this many months ahead. */
export const BOOKING_HORIZON_MONTHS = 6;

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const d = new Date(`${date}T12:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Intervals of minutes of the day, [from, to). */
type Span = { from: number; to: number; mode: SlotMode; place: string };

function subtract(spans: Span[], cut: { from: number; to: number }): Span[] {
  return spans.flatMap((s) => {
    if (cut.to <= s.from || s.to <= cut.from) return [s];
    const out: Span[] = [];
    if (s.from < cut.from) out.push({ ...s, to: cut.from });
    if (cut.to < s.to) out.push({ ...s, from: cut.to });
    return out;
  });
}

/** The openings of one Paris day, after its exceptions. On a French public holiday the weekly openings do not apply (an extra opening still does). */
export function openingsOn(date: string, weekly: readonly WeeklyOpening[], exceptions: readonly AvailabilityException[]): Span[] {
  const weekday = isoWeekday(date);
  let spans: Span[] = weekly
    .filter((w) => w.weekday === weekday && !isFrenchPublicHoliday(date))
    .map((w) => ({ from: minutes(w.from), to: minutes(w.to), mode: w.mode, place: w.place }));
  const today = exceptions.filter((e) => e.startsOn <= date && date <= e.endsOn);
  for (const e of today.filter((x) => x.kind === 'open')) {
    if (e.from && e.to && e.mode && e.place !== null) spans.push({ from: minutes(e.from), to: minutes(e.to), mode: e.mode, place: e.place });
  }
  for (const e of today.filter((x) => x.kind === 'closed')) {
    spans = e.from && e.to ? subtract(spans, { from: minutes(e.from), to: minutes(e.to) }) : [];
  }
  return spans;
}

/**
 * The free slots of one adviser for an appointment of `durationMinutes`: each opening is cut into
 * back-to-back slots from its start, on the Paris clock (a time skipped by the spring change does
 * not exist; an autumn hour that happens twice is offered once), then a slot is dropped when it
 * starts less than the notice from now, after the horizon, or meets a time already given.
 */
export function availableSlots(q: SlotQuery): Slot[] {
  const notice = (q.noticeHours ?? MIN_NOTICE_HOURS) * 3600_000;
  const earliest = q.now.getTime() + notice;
  const lastDay = addMonths(parisDate(q.now), q.horizonMonths ?? BOOKING_HORIZON_MONTHS);
  const firstDay = parisDate(new Date(earliest)) > q.fromDate ? parisDate(new Date(earliest)) : q.fromDate;
  const until = q.toDate < lastDay ? q.toDate : lastDay;
  const duration = q.durationMinutes * 60_000;
  const found = new Map<number, Slot>();
  for (let date = firstDay, guard = 0; date <= until && guard < 400; date = addDays(date, 1), guard++) {
    for (const span of openingsOn(date, q.weekly, q.exceptions)) {
      const windowEnd = parisDateTime(date, hhmm(span.to));
      if (!windowEnd) continue;
      for (let m = span.from; m + q.durationMinutes <= span.to; m += q.durationMinutes) {
        const time = hhmm(m);
        const startsAt = parisDateTime(date, time);
        // a time the spring change skips is no slot
        if (!startsAt || parisTime(startsAt) !== time || parisDate(startsAt) !== date) continue;
        const start = startsAt.getTime();
        const end = start + duration;
        if (end > windowEnd.getTime() || start < earliest || found.has(start)) continue;
        if (q.busy.some((b) => b.startsAt.getTime() < end && start < b.startsAt.getTime() + b.durationMinutes * 60_000)) continue;
        found.set(start, { startsAt, date, time, durationMinutes: q.durationMinutes, mode: span.mode, place: span.place });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}
