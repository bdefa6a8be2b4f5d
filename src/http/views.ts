import { parisTime } from '../shared/dates';
import path from 'node:path';
import type { Express } from 'express';
import nunjucks from 'nunjucks';
import { PROJECT_ROOT } from '../paths';
import { urls } from '../urls';
import {
  formatBasisPoints,
  formatCount,
  formatDate,
  formatDateTime,
  formatEuros,
  formatLongDateTime,
  formatMinutes,
  formatPhone,
  formatQuotation,
  formatShortWeekday,
  formatWeekday,
  integerFormat,
} from '../shared/format';
import { formatIban, maskIban } from '../shared/iban';
import { elidedDe } from '../shared/elision';

export const VIEWS_DIR = path.join(PROJECT_ROOT, 'views');

export { formatDate, formatDateTime, formatEuros } from '../shared/format';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);

/** `{{ code | label('dictionary') }}`: the French label of a code from one of the registered dictionaries (the code itself when unknown). */
export function labelFilter(dictionaries: Readonly<Record<string, Readonly<Record<string, string>>>>) {
  return (code: unknown, dictionary: string): string => {
    if (code === null || code === undefined || code === '') return '';
    const labels = Object.hasOwn(dictionaries, dictionary) ? dictionaries[dictionary] : undefined;
    if (!labels) throw new Error(`unknown label dictionary: ${dictionary}`);
    const key = String(code);
    return Object.hasOwn(labels, key) ? (labels[key] as string) : key;
  };
}

/**
 * The page numbers a pagination shows: the first, the last, two either side of `current`, and null
 * for « … » where pages are skipped (just outside that window). Computed, not found by walking every
 * page: a list of 500,000 requests has 10,000 pages.
 */
export function pageLinks(current: number, count: number): Array<number | null> {
  const out: Array<number | null> = [];
  const candidates = new Set([1, count, ...[-3, -2, -1, 0, 1, 2, 3].map((d) => current + d)]);
  for (const p of [...candidates].filter((n) => n >= 1 && n <= count).sort((a, b) => a - b)) {
    if (p === 1 || p === count || Math.abs(p - current) <= 2) out.push(p);
    else if (Math.abs(p - current) === 3) out.push(null);
  }
  return out;
}

export function configureViews(
  app: Express,
  options: { watch: boolean; labels: Readonly<Record<string, Readonly<Record<string, string>>>> },
): nunjucks.Environment {
  const env = nunjucks.configure(VIEWS_DIR, { autoescape: true, express: app, noCache: options.watch, throwOnUndefined: false });
  app.set('view engine', 'njk');
  env.addFilter('label', labelFilter(options.labels));
  env.addFilter('date', formatDate);
  env.addFilter('datetime', formatDateTime);
  env.addFilter('euros', formatEuros);
  env.addFilter('percent', (bp: number) => (bp === null || bp === undefined ? '' : formatBasisPoints(bp)));
  env.addFilter('total', (n: unknown) => (Number(n) > 10_000 ? 'plus de 10 000' : integerFormat.format(Number(n ?? 0))));
  env.addFilter('int', (n: unknown) => (n === null || n === undefined ? '' : integerFormat.format(Number(n))));
  env.addFilter('de', elidedDe);
  env.addFilter('civilityShort', (c: string | null) => (c === 'mme' ? 'Mme' : c === 'm' ? 'M.' : ''));
  env.addFilter('resourcesTotal', (r: Record<string, number> | null) => (r ? Object.values(r).reduce((a, b) => a + b, 0) : 0));
  env.addFilter('iban', (v: string | null) => (v ? formatIban(v) : ''));
  env.addFilter('ibanMasked', (v: string | null) => (v ? maskIban(v) : ''));
  env.addFilter('hours', formatMinutes);
  env.addFilter('time', (d: Date | string | null) => (d ? parisTime(new Date(d)) : ''));
  env.addFilter('phone', formatPhone);
  env.addFilter('weekday', formatWeekday);
  env.addFilter('weekdayShort', formatShortWeekday);
  // {{ comment | guillemets }} → « comment » with non-breaking spaces inside
  env.addFilter('guillemets', formatQuotation);
  // a reference never breaks at its hyphen: {{ r.reference | ref }} → <span class="ref">2026-00008</span>
  env.addFilter('ref', (v: unknown) =>
    v === null || v === undefined || v === '' ? '' : new nunjucks.runtime.SafeString(`<span class="ref">${escapeHtml(String(v))}</span>`),
  );
  env.addFilter('longDateTime', (d: Date | string | null) => (d ? formatLongDateTime(new Date(d)) : ''));
  // {{ n | compte('aide', 'aides', 'f') }} → "Aucune aide", "1 aide", "3 aides"
  env.addFilter('compte', (n: unknown, singular: string, plural?: string, gender?: string) =>
    formatCount(n, singular, { plural: plural || undefined, feminine: gender === 'f' }),
  );
  env.addGlobal('urls', urls);
  env.addGlobal('pageLinks', pageLinks);
  return env;
}
