/**
 * The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1): the 18 columns in their order,
 * tab-separated, dates AAAAMMJJ, amounts with a decimal comma and no thousands separator, UTF-8
 * without BOM, named <SIREN>FEC<closing date>.txt. Pure functions: the export streams lines
 * through `fecLine`.
 */
import { centsToDecimal } from '../shared/money';
export const FEC_COLUMNS = [
  'JournalCode',
  'JournalLib',
  'EcritureNum',
  'EcritureDate',
  'CompteNum',
  'CompteLib',
  'CompAuxNum',
  'CompAuxLib',
  'PieceRef',
  'PieceDate',
  'EcritureLib',
  'Debit',
  'Credit',
  'EcritureLet',
  'DateLet',
  'ValidDate',
  'Montantdevise',
  'Idevise',
] as const;

export const FEC_HEADER = FEC_COLUMNS.join('\t');

/** One ledger line with its entry, as the FEC needs it. */
export interface FecRow {
  journalCode: string;
  journalLabel: string;
  entryNumber: string;
  entryDate: string;
  accountNumber: string;
  accountLabel: string;
  auxNumber: string | null;
  auxLabel: string | null;
  pieceRef: string;
  pieceDate: string;
  label: string;
  debitCents: number | bigint | string;
  creditCents: number | bigint | string;
  matchCode: string | null;
  matchDate: string | null;
  validatedOn: string;
  /** the fund's analytic code (not a FEC column: the accounting software's CSV carries it) */
  analyticCode?: string | null;
}

/** "2026-12-01" → "20261201". */
export const fecDate = (isoDate: string | null): string => (isoDate ? isoDate.slice(0, 10).replace(/-/g, '') : '');

/** 125050 cents → "1250,50" (from integers: no float ever touches an amount). */
export function fecAmount(cents: number | bigint | string): string {
  return centsToDecimal(cents, ',');
}

/** A text field: no tab, no line break, no pipe (the other allowed separator), trimmed. */
export const fecText = (v: string | null): string =>
  (v ?? '')
    .replace(/[\t\r\n|]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();

export function fecLine(r: FecRow): string {
  return [
    fecText(r.journalCode),
    fecText(r.journalLabel),
    fecText(r.entryNumber),
    fecDate(r.entryDate),
    fecText(r.accountNumber),
    fecText(r.accountLabel),
    fecText(r.auxNumber),
    fecText(r.auxLabel),
    fecText(r.pieceRef),
    fecDate(r.pieceDate),
    fecText(r.label),
    fecAmount(r.debitCents),
    fecAmount(r.creditCents),
    fecText(r.matchCode),
    fecDate(r.matchDate),
    fecDate(r.validatedOn),
    '',
    '',
  ].join('\t');
}

/** "123456789FEC20261231.txt": the SIREN and the closing date of the fiscal year. */
export function fecFileName(siren: string, closingDate: string): string {
  return `${siren}FEC${fecDate(closingDate)}.txt`;
}

/** The description that must come with each FEC handed over (A47 A-1 XI). */
export function fecDescription(siren: string, fiscalYear: { start: string; end: string }, lines: number): string {
  return [
    `Fichier des écritures comptables — SIREN ${siren} — exercice du ${fiscalYear.start} au ${fiscalYear.end}`,
    'Format : fichier à plat, une ligne par ligne d’écriture, première ligne = noms des 18 champs (A47 A-1 VII).',
    'Séparateur de champs : tabulation. Jeu de caractères : UTF-8 sans BOM. Fin de ligne : LF.',
    'Dates : AAAAMMJJ. Montants : virgule décimale, sans séparateur de milliers, colonnes Debit et Credit.',
    'EcritureNum : numérotation continue et croissante par exercice, dans l’ordre de validation. Pas de devise (Montantdevise, Idevise vides).',
    `Lignes d’écriture : ${lines}.`,
  ].join('\n');
}
