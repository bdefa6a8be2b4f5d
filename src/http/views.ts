import path from 'node:path';
import type { Express } from 'express';
import nunjucks from 'nunjucks';
import { ORGANISATION_KIND_LABELS, ROLE_LABELS } from '../permissions/roles';
import { PROJECT_ROOT } from '../paths';
import { urls } from '../urls';

export const VIEWS_DIR = path.join(PROJECT_ROOT, 'views');

// Formatters are built once: building one per cell costs 4–5× throughput (DESIGN §12).
const TZ = 'Europe/Paris';
const dateFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const euroFormat = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const integerFormat = new Intl.NumberFormat('fr-FR');

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

const STATUS_LABELS: Record<string, string> = {
  active: 'Actif',
  suspended: 'Suspendu',
  deactivated: 'Désactivé',
  closed: 'Fermée',
  pending: 'En attente',
  sent: 'Envoyé',
  failed: 'En échec',
  stored: 'Conservé (pas de SMTP)',
};

export function configureViews(app: Express, options: { watch: boolean }): nunjucks.Environment {
  const env = nunjucks.configure(VIEWS_DIR, { autoescape: true, express: app, noCache: options.watch, throwOnUndefined: false });
  app.set('view engine', 'njk');
  env.addFilter('date', formatDate);
  env.addFilter('datetime', formatDateTime);
  env.addFilter('euros', formatEuros);
  env.addFilter('int', (n: unknown) => (n === null || n === undefined ? '' : integerFormat.format(Number(n))));
  env.addFilter('roleLabel', (role: string) => ROLE_LABELS[role as keyof typeof ROLE_LABELS] ?? role);
  env.addFilter('kindLabel', (kind: string) => ORGANISATION_KIND_LABELS[kind as keyof typeof ORGANISATION_KIND_LABELS] ?? kind);
  env.addFilter('statut', (s: string) => STATUS_LABELS[s] ?? s);
  env.addFilter('civilityShort', (c: string | null) => (c === 'mme' ? 'Mme' : c === 'm' ? 'M.' : ''));
  env.addFilter('resourcesTotal', (r: Record<string, number> | null) => (r ? Object.values(r).reduce((a, b) => a + b, 0) : 0));
  env.addGlobal('urls', urls);
  return env;
}
