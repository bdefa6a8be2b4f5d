import type { DelayHistogram } from './repository';

/** Below this many households, a figure is not shown (statistical secrecy): « < 5 ». */
export const SECRECY_THRESHOLD = 5;

export type FigureKind = 'count' | 'euros' | 'days' | 'percent' | 'hours';

/** A figure as pages and downloads show it: its value, or secret (1 to 4 behind it), or none (nothing to measure). */
export interface Figure {
  kind: FigureKind;
  /** integer cents for euros; days with one decimal; 0–100 for percent; hours with one decimal */
  value: number | null;
  secret: boolean;
  /** as written on the page and in downloads: « < 5 », « — », or the value in French */
  text: string;
}

const isSmall = (n: number) => n > 0 && n < SECRECY_THRESHOLD;

/** A count of households, requests or missions: 1 to 4 is secret. */
export const countFigure = (n: number, hidden = false): Figure =>
  withText({ kind: 'count', value: hidden || isSmall(n) ? null : n, secret: hidden || isSmall(n) });

/** Any other figure of a row whose households number 1 to 4 (`hidden`), or measured on 1 to 4 cases (`basis`), is secret. */
export function figure(kind: Exclude<FigureKind, 'count'>, value: number | null, o: { hidden: boolean; basis?: number }): Figure {
  const secret = o.hidden || (o.basis !== undefined && isSmall(o.basis));
  return withText({ kind, value: secret ? null : value, secret });
}

const withText = (f: Omit<Figure, 'text'>): Figure => ({ ...f, text: formatFigure(f) });

/** The share `part / whole` in percent with one decimal; null when nothing was decided. */
export const percent = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part * 1000) / whole) / 10);

/**
 * The q-quantile of the delays (days), read from their histogram — the nearest-rank value, exact
 * on whole days: the median of 1, 2, 9 is 2; of 1, 2, 3, 9 it is 2.5 (the mean of the two middle
 * values, as PostgreSQL's percentile_cont gives for the median).
 */
export function quantile(histogram: DelayHistogram, q: number): number | null {
  const total = histogram.reduce((n, h) => n + h.n, 0);
  if (total === 0) return null;
  // percentile_cont: position q·(N−1) between the sorted values, interpolated
  const position = q * (total - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const at = (rank: number): number => {
    let seen = 0;
    for (const h of histogram) {
      seen += h.n;
      if (rank < seen) return h.days;
    }
    return histogram[histogram.length - 1]!.days;
  };
  const value = at(lower) + (at(upper) - at(lower)) * (position - lower);
  return Math.round(value * 10) / 10;
}

export const delayCount = (histogram: DelayHistogram | undefined): number => (histogram ?? []).reduce((n, h) => n + h.n, 0);

/** Buckets of the delays' distribution chart, in days. */
export const DELAY_BUCKETS: ReadonlyArray<{ label: string; max: number }> = [
  { label: '0 à 7 j', max: 7 },
  { label: '8 à 15 j', max: 15 },
  { label: '16 à 30 j', max: 30 },
  { label: '31 à 60 j', max: 60 },
  { label: 'plus de 60 j', max: Number.POSITIVE_INFINITY },
];

/** How many delays fall in each bucket (a bucket of 1 to 4 is secret: null). */
export function bucketed(histogram: DelayHistogram | undefined): Array<number | null> {
  const counts = DELAY_BUCKETS.map(() => 0);
  for (const h of histogram ?? []) {
    const i = DELAY_BUCKETS.findIndex((b) => h.days <= b.max);
    counts[i === -1 ? counts.length - 1 : i]! += h.n;
  }
  return counts.map((n) => (isSmall(n) ? null : n));
}

/** « < 5 », or the figure in French. */
export function formatFigure(f: Omit<Figure, 'text'>): string {
  if (f.secret) return '< 5';
  if (f.value === null) return '—';
  const fr = (n: number, digits = 0) => n.toLocaleString('fr-FR', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  switch (f.kind) {
    case 'count':
      // an average per landlord has one decimal
      return fr(f.value, Number.isInteger(f.value) ? 0 : 1);
    case 'euros':
      return `${fr(f.value / 100, 2)} €`;
    case 'days':
      return `${fr(f.value, Number.isInteger(f.value) ? 0 : 1)} j`;
    case 'percent':
      return `${fr(f.value, Number.isInteger(f.value) ? 0 : 1)} %`;
    case 'hours':
      return `${fr(f.value, Number.isInteger(f.value) ? 0 : 1)} h`;
  }
}
