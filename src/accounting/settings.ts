import { z } from 'zod';
import { requiredText } from '../shared/form-fields';
import { CSV_FIELDS, CSV_PRESETS, type CsvField, type CsvFormat } from './software-csv';

/** The accountant's settings (stored under the `accounting` key of the settings table). */
export interface AccountingSettings {
  siren: string;
  /** first month of the fiscal year (1 = January) */
  fiscalYearStartMonth: number;
  /** entry numbers: one sequence per fiscal year, or one per journal and fiscal year */
  numbering: 'year' | 'journal';
  journals: { grants: string; bank: string };
  accounts: { expense: string; payable: string; bank: string };
  /** accounts per aid type code, over the aid type's rules */
  aidTypeAccounts: Record<string, { expense: string; payable: string }>;
  csv: CsvFormat;
  /** where the nightly export is delivered: the outbox folder under EXPORT_DIR by default */
  transport: 'outbox';
}

export const DEFAULT_ACCOUNTING: AccountingSettings = {
  siren: '000000000',
  fiscalYearStartMonth: 1,
  numbering: 'year',
  journals: { grants: 'OD', bank: 'BQ' },
  accounts: { expense: '6571', payable: '4672', bank: '512' },
  aidTypeAccounts: {},
  csv: (CSV_PRESETS.generic as { format: CsvFormat }).format,
  transport: 'outbox',
};

/** The fiscal year a date falls in, named by the year it starts, with its first and last days. */
export function fiscalYearOf(date: string, startMonth: number): { year: number; start: string; end: string } {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const year = m >= startMonth ? y : y - 1;
  return fiscalYear(year, startMonth);
}

export function fiscalYear(year: number, startMonth: number): { year: number; start: string; end: string } {
  const start = `${year}-${String(startMonth).padStart(2, '0')}-01`;
  const endMonth = startMonth === 1 ? 12 : startMonth - 1;
  const endYear = startMonth === 1 ? year : year + 1;
  const lastDay = new Date(Date.UTC(endYear, endMonth, 0)).getUTCDate();
  return { year, start, end: `${endYear}-${String(endMonth).padStart(2, '0')}-${String(lastDay).padStart(2, '0')}` };
}

/** The stored settings' version (0 while only the defaults apply). */
export const settingsVersion = z.coerce.number({ error: 'Version manquante' }).int().min(0);

const account = (label: string) =>
  z
    .string({ error: `${label} : saisissez un numéro de compte` })
    .trim()
    .regex(/^[0-9]{3}[0-9A-Za-z]{0,17}$/, { error: `${label} : trois chiffres du plan comptable d’abord, par exemple 6571` });
const journal = (label: string) =>
  z
    .string({ error: `${label} : saisissez un code` })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9]{1,6}$/, { error: `${label} : 1 à 6 lettres ou chiffres, par exemple OD` });

export const accountingSettingsSchema = z.object({
  siren: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\s/g, '') : v),
    z.string({ error: 'Saisissez le SIREN de l’association' }).regex(/^\d{9}$/, { error: 'Le SIREN compte 9 chiffres' }),
  ),
  fiscalYearStartMonth: z.coerce
    .number({ error: 'Choisissez le premier mois de l’exercice' })
    .int()
    .min(1, { error: 'Choisissez le premier mois de l’exercice' })
    .max(12, { error: 'Choisissez le premier mois de l’exercice' }),
  numbering: z.enum(['year', 'journal'], { error: 'Choisissez la numérotation des écritures' }),
  grantsJournal: journal('Journal des aides'),
  bankJournal: journal('Journal de banque'),
  expenseAccount: account('Compte de charge'),
  payableAccount: account('Compte de tiers'),
  bankAccount: account('Compte de banque'),
  csvColumns: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(z.enum(Object.keys(CSV_FIELDS) as [CsvField, ...CsvField[]], { error: 'Colonne inconnue' })).min(1, { error: 'Gardez au moins une colonne' }),
  ),
  csvSeparator: z.enum([';', ',', 'tab'], { error: 'Choisissez le séparateur' }),
  csvDateFormat: z.enum(['DD/MM/YYYY', 'YYYY-MM-DD', 'YYYYMMDD'], { error: 'Choisissez le format des dates' }),
  csvDecimal: z.enum([',', '.'], { error: 'Choisissez le séparateur décimal' }),
  csvHeader: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()),
  version: settingsVersion,
});
export type AccountingSettingsInput = z.infer<typeof accountingSettingsSchema>;

export const accountSchema = z.object({
  number: account('Numéro'),
  label: requiredText('Saisissez le libellé du compte', 120),
});

export const aidTypeAccountsSchema = z.object({
  code: z.string().regex(/^[A-Z0-9_-]{1,20}$/),
  expense: z.preprocess((v) => (v === '' ? undefined : v), account('Compte de charge').optional()),
  payable: z.preprocess((v) => (v === '' ? undefined : v), account('Compte de tiers').optional()),
});

export const closePeriodSchema = z.object({
  period: z.string({ error: 'Choisissez un mois' }).regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'Choisissez un mois' }),
});
