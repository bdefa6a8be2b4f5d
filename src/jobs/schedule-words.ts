/**
 * A job's cron expression (minute hour day-of-month month day-of-week, Paris time) in the words
 * the administrators read on the jobs page: "chaque nuit à 02:00", "toutes les 5 minutes",
 * "toutes les heures à :05". An expression these words do not cover is shown as it is, never
 * guessed.
 */

const DAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
/** Before this hour a daily run is a night run. */
const NIGHT_ENDS = 6;

const pad = (n: number) => String(n).padStart(2, '0');
const number = (field: string, max: number): number | null => (/^\d{1,2}$/.test(field) && Number(field) <= max ? Number(field) : null);
const step = (field: string): number | null => {
  const m = /^\*\/(\d{1,2})$/.exec(field);
  return m ? Number(m[1]) : null;
};

/** "le lundi", "du lundi au vendredi", "le lundi et le jeudi"; null when the field is not plain days. */
function days(field: string): string | null {
  const range = /^([0-7])-([0-7])$/.exec(field);
  if (range) return `du ${DAYS[Number(range[1])]} au ${DAYS[Number(range[2])]}`;
  if (!/^[0-7](,[0-7])*$/.test(field)) return null;
  const names = field.split(',').map((d) => DAYS[Number(d)]);
  return names.length === 1 ? `chaque ${names[0]}` : `le ${names.slice(0, -1).join(', le ')} et le ${names[names.length - 1]}`;
}

function fallback(expression: string): string {
  return `selon l’expression cron « ${expression} »`;
}

export function describeSchedule(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return fallback(expression);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  if (month !== '*') return fallback(expression);
  const everyDay = dayOfMonth === '*' && dayOfWeek === '*';

  // several times an hour
  if (hour === '*' && everyDay) {
    if (minute === '*' || minute === '*/1') return 'chaque minute';
    const every = step(minute);
    if (every) return `toutes les ${every} minutes`;
    const at = number(minute, 59);
    if (at !== null) return `toutes les heures à :${pad(at)}`;
    return fallback(expression);
  }

  const m = number(minute, 59);
  if (m === null) return fallback(expression);
  const everyHours = step(hour);
  if (everyHours && everyDay) return `toutes les ${everyHours} heures à :${pad(m)}`;
  const h = number(hour, 23);
  if (h === null) return fallback(expression);
  const time = `${pad(h)}:${pad(m)}`;

  if (everyDay) return `${h < NIGHT_ENDS ? 'chaque nuit' : 'chaque jour'} à ${time}`;
  if (dayOfMonth === '*') {
    const on = days(dayOfWeek);
    return on ? `${on} à ${time}` : fallback(expression);
  }
  const date = number(dayOfMonth, 31);
  if (date !== null && date >= 1 && dayOfWeek === '*') return `le ${date === 1 ? '1er' : date} de chaque mois à ${time}`;
  return fallback(expression);
}
