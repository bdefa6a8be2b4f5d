/** French formatting of money, dates and rates, built once (a formatter per call costs 4–5× throughput). */
const TZ = 'Europe/Paris';
const dateFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const euroFormat = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const percentFormat = new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 });
export const integerFormat = new Intl.NumberFormat('fr-FR');

/** "2026-12-31" (a date column) or a Date → "31/12/2026". */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-');
    return `${d}/${m}/${y}`;
  }
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? '' : dateFormat.format(date);
}

/** A timestamp → "30/01/2026 à 15:15" (Paris time). */
export function formatDateTime(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? '' : `${dateFormat.format(date)} à ${timeFormat.format(date)}`;
}

/** Integer cents → "1 234,56 €". */
export function formatEuros(cents: unknown): string {
  if (cents === null || cents === undefined || cents === '') return '';
  const n = typeof cents === 'number' ? cents : Number(cents);
  if (!Number.isFinite(n)) return '';
  return euroFormat.format(n / 100);
}

/** Basis points (1/10,000) → "33,5 %". */
export function formatBasisPoints(bp: number): string {
  return percentFormat.format(bp / 10000);
}

/** A duration in minutes → "1 h 30" (or "45 min"). */
export function formatMinutes(minutes: unknown): string {
  const n = Number(minutes ?? 0);
  if (!Number.isFinite(n)) return '';
  return n < 60 ? `${n} min` : `${Math.floor(n / 60)} h${n % 60 ? ` ${String(n % 60).padStart(2, '0')}` : ''}`;
}

/** A compact French phone number → "01 23 45 67 89" ("+33…" kept as typed). */
export function formatPhone(phone: unknown): string {
  const s = String(phone ?? '');
  return /^0\d{9}$/.test(s) ? s.replace(/(\d{2})(?=\d)/g, '$1 ') : s;
}

const weekdayFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' });
const longDateTimeFormat = new Intl.DateTimeFormat('fr-FR', {
  timeZone: TZ,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  hour: '2-digit',
  minute: '2-digit',
});
const longDateTimeYearFormat = new Intl.DateTimeFormat('fr-FR', {
  timeZone: TZ,
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** Intl's French long date, the first of the month written "1er" as French does ("mardi 1er décembre"). */
function withFirstOfMonth(format: Intl.DateTimeFormat, date: Date): string {
  return format
    .formatToParts(date)
    .map((p) => (p.type === 'day' && p.value === '1' ? '1er' : p.value))
    .join('');
}

/** A calendar date "2026-11-23" → "lundi 23 novembre" ("mardi 1er décembre"). */
export function formatWeekday(date: unknown): string {
  const s = String(date ?? '');
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? withFirstOfMonth(weekdayFormat, new Date(`${s}T12:00:00Z`)) : '';
}

const shortWeekdayFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'short', day: 'numeric' });

/** A calendar date "2026-11-30" → "lun. 30" ("mar. 1er"), for a day picker. */
export function formatShortWeekday(date: unknown): string {
  const s = String(date ?? '');
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? withFirstOfMonth(shortWeekdayFormat, new Date(`${s}T12:00:00Z`)) : '';
}

/** An instant → "mardi 1er décembre à 14:30" (Paris time), with the year when asked ("mardi 1er décembre 2026 à 14:30"). */
export function formatLongDateTime(instant: Date, options: { year?: boolean } = {}): string {
  return withFirstOfMonth(options.year ? longDateTimeYearFormat : longDateTimeFormat, instant);
}

/**
 * A count and its noun, in French: "Aucune aide" (never "0 aide"), "1 aide", "3 aides".
 * `feminine` chooses "Aucune" or "Aucun"; the plural is the noun with an s unless given.
 */
export function formatCount(count: unknown, singular: string, options: { plural?: string; feminine?: boolean } = {}): string {
  const n = Number(count ?? 0);
  if (!Number.isFinite(n) || n === 0) return `${options.feminine ? 'Aucune' : 'Aucun'} ${singular}`;
  return `${integerFormat.format(n)} ${Math.abs(n) >= 2 ? (options.plural ?? `${singular}s`) : singular}`;
}

/** A quotation in French guillemets, held to its words by non-breaking spaces: "« Aide accordée »" (never a lone « at a line's end). */
export function formatQuotation(text: unknown): string {
  const s = String(text ?? '').trim();
  return s ? `«\u00a0${s}\u00a0»` : '';
}
