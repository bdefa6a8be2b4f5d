import type { FecRow } from './fec';
import { centsToDecimal } from '../shared/money';

/** The fields an accounting software may take from the ledger, in the order the accountant chooses. */
export const CSV_FIELDS = {
  journal: 'Code journal',
  number: 'Numéro d’écriture',
  date: 'Date',
  account: 'Compte',
  accountLabel: 'Libellé du compte',
  aux: 'Compte auxiliaire',
  auxLabel: 'Libellé auxiliaire',
  piece: 'Pièce',
  label: 'Libellé',
  debit: 'Débit',
  credit: 'Crédit',
  amount: 'Montant signé',
  match: 'Lettrage',
  analytic: 'Code analytique (fonds)',
} as const;
export type CsvField = keyof typeof CSV_FIELDS;

export interface CsvFormat {
  columns: CsvField[];
  separator: ';' | ',' | '\t';
  dateFormat: 'DD/MM/YYYY' | 'YYYY-MM-DD' | 'YYYYMMDD';
  decimal: ',' | '.';
  header: boolean;
}

/** Ready-made formats; the accountant starts from one and adjusts it in the settings. */
export const CSV_PRESETS: Record<string, { label: string; format: CsvFormat }> = {
  generic: {
    label: 'Générique (point-virgule, dates JJ/MM/AAAA, virgule décimale)',
    format: {
      columns: ['journal', 'number', 'date', 'account', 'aux', 'piece', 'label', 'debit', 'credit'],
      separator: ';',
      dateFormat: 'DD/MM/YYYY',
      decimal: ',',
      header: true,
    },
  },
  international: {
    label: 'International (virgule, dates ISO, point décimal)',
    format: {
      columns: ['journal', 'number', 'date', 'account', 'accountLabel', 'aux', 'auxLabel', 'piece', 'label', 'debit', 'credit', 'match', 'analytic'],
      separator: ',',
      dateFormat: 'YYYY-MM-DD',
      decimal: '.',
      header: true,
    },
  },
  signed: {
    label: 'Montant signé (tabulation, dates AAAAMMJJ)',
    format: {
      columns: ['journal', 'date', 'account', 'aux', 'piece', 'label', 'amount'],
      separator: '\t',
      dateFormat: 'YYYYMMDD',
      decimal: ',',
      header: false,
    },
  },
};

const date = (iso: string, f: CsvFormat['dateFormat']) => {
  const [y, m, d] = iso.slice(0, 10).split('-');
  return f === 'DD/MM/YYYY' ? `${d}/${m}/${y}` : f === 'YYYYMMDD' ? `${y}${m}${d}` : `${y}-${m}-${d}`;
};

const amount = (cents: bigint, decimal: ',' | '.') => centsToDecimal(cents, decimal);

/** A cell, quoted when it holds the separator, a quote or a line break; formulas neutralised. */
function cell(value: string, separator: string): string {
  let v = value.replace(/[\r\n\t]+/g, ' ');
  if (/^[=+\-@]/.test(v) && !/^-?\d/.test(v)) v = `'${v}`;
  return v.includes(separator) || v.includes('"') ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvHeader(f: CsvFormat): string | null {
  return f.header ? f.columns.map((c) => cell(CSV_FIELDS[c], f.separator)).join(f.separator) : null;
}

export function csvRow(r: FecRow, f: CsvFormat): string {
  const debit = BigInt(r.debitCents);
  const credit = BigInt(r.creditCents);
  const values: Record<CsvField, string> = {
    journal: r.journalCode,
    number: r.entryNumber,
    date: date(r.entryDate, f.dateFormat),
    account: r.accountNumber,
    accountLabel: r.accountLabel,
    aux: r.auxNumber ?? '',
    auxLabel: r.auxLabel ?? '',
    piece: r.pieceRef,
    label: r.label,
    debit: amount(debit, f.decimal),
    credit: amount(credit, f.decimal),
    amount: amount(debit - credit, f.decimal),
    match: r.matchCode ?? '',
    analytic: r.analyticCode ?? '',
  };
  return f.columns.map((c) => cell(values[c], f.separator)).join(f.separator);
}
