import { type FecRow, fecText } from '../../accounting/fec';
import { addDays, addMonths } from '../../shared/dates';
import { centsToDecimal } from '../../shared/money';

/** A ledger line as the FEC query gives it, with its number in its entry. */
export type LedgerRow = FecRow & { lineNo: number };

/** One record of the ECRITURES flow (docs/echanges/ecritures.v1.schema.json): the FEC's fields, amounts in integer cents. */
export type EcrituresRecord = {
  id: string;
  JournalCode: string;
  JournalLib: string;
  EcritureNum: string;
  EcritureDate: string;
  CompteNum: string;
  CompteLib: string;
  CompAuxNum: string | null;
  CompAuxLib: string | null;
  PieceRef: string;
  PieceDate: string;
  EcritureLib: string;
  debit_centimes: number;
  credit_centimes: number;
  EcritureLet: string | null;
  DateLet: string | null;
  ValidDate: string;
  Montantdevise: null;
  Idevise: null;
};

/** The manifest's control totals of the flow. */
export type EcrituresTotals = {
  debit_centimes: number;
  credit_centimes: number;
  lignes: number;
};

export interface MonthFile {
  periodStart: string;
  periodEnd: string;
  records: EcrituresRecord[];
  totals: EcrituresTotals;
}

/** The month's debits and credits differ: nothing leaves (the ledger's own checks should make this impossible). */
export class UnbalancedMonthError extends Error {
  constructor(month: string, debit: bigint, credit: bigint) {
    super(
      `Les écritures de ${monthLabel(month)} ne sont pas équilibrées (débit ${centsToDecimal(debit)}, crédit ${centsToDecimal(credit)}) : aucun fichier ECRITURES n’est préparé.`,
    );
    this.name = 'UnbalancedMonthError';
  }
}

/** "2026-10" → "10/2026". */
export const monthLabel = (month: string): string => `${month.slice(5, 7)}/${month.slice(0, 4)}`;

/** "2026-02" → its first and last days. */
export function monthPeriod(month: string): { periodStart: string; periodEnd: string } {
  const periodStart = `${month}-01`;
  return { periodStart, periodEnd: addDays(addMonths(periodStart, 1), -1) };
}

const isoDate = (value: string): string => value.slice(0, 10);
const textOrNull = (value: string | null): string | null => fecText(value) || null;

function cents(value: number | bigint | string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`montant hors limites : ${String(value)}`);
  return n;
}

/** One ledger line: the texts exactly as the FEC writes them, dates AAAA-MM-JJ, blanks as null; its id is its entry number and line number. */
export function ecrituresRecord(r: LedgerRow): EcrituresRecord {
  return {
    id: `${fecText(r.entryNumber)}.${r.lineNo}`,
    JournalCode: fecText(r.journalCode),
    JournalLib: fecText(r.journalLabel),
    EcritureNum: fecText(r.entryNumber),
    EcritureDate: isoDate(r.entryDate),
    CompteNum: fecText(r.accountNumber),
    CompteLib: fecText(r.accountLabel),
    CompAuxNum: textOrNull(r.auxNumber),
    CompAuxLib: textOrNull(r.auxLabel),
    PieceRef: fecText(r.pieceRef),
    PieceDate: isoDate(r.pieceDate),
    EcritureLib: fecText(r.label),
    debit_centimes: cents(r.debitCents),
    credit_centimes: cents(r.creditCents),
    EcritureLet: textOrNull(r.matchCode),
    DateLet: r.matchDate ? isoDate(r.matchDate) : null,
    ValidDate: isoDate(r.validatedOn),
    Montantdevise: null,
    Idevise: null,
  };
}

/**
 * At most this many lines per file (~465 bytes each: ~18.6 MB), and at most FILE_BYTES however
 * long the texts: under the 20 MiB a stored file may weigh. A longer month leaves in several
 * files, cut between entries so that each balances.
 */
export const LINES_PER_FILE = 40_000;
export const FILE_BYTES = 19 * 1024 * 1024;

/**
 * The files of a month: one when it fits, else several cut between two entries (never inside one),
 * each balanced with its own totals; together they hold the month's lines in the FEC's order.
 * The whole month must balance before anything is cut.
 */
export function monthFiles(month: string, rows: readonly LedgerRow[], linesPerFile = LINES_PER_FILE, fileBytes = FILE_BYTES): MonthFile[] {
  const whole = monthFile(month, rows);
  // a line of the data file is its record's JSON and a line feed
  const sizes = whole.records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 1);
  if (rows.length <= linesPerFile && sizes.reduce((a, b) => a + b, 0) <= fileBytes) return [whole];
  const parts: LedgerRow[][] = [];
  let part: LedgerRow[] = [];
  let bytes = 0;
  for (let i = 0; i < rows.length;) {
    // one entry: the consecutive lines of the same entry number
    let end = i + 1;
    let entryBytes = sizes[i]!;
    while (end < rows.length && rows[end]!.entryNumber === rows[i]!.entryNumber) entryBytes += sizes[end++]!;
    if (part.length > 0 && (part.length + (end - i) > linesPerFile || bytes + entryBytes > fileBytes)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(...rows.slice(i, end));
    bytes += entryBytes;
    i = end;
  }
  if (part.length > 0) parts.push(part);
  return parts.map((p) => monthFile(month, p));
}

/** The file of a month: one record per line, and totals that must balance (sums taken on bigint, never on floats). */
export function monthFile(month: string, rows: readonly LedgerRow[]): MonthFile {
  let debit = 0n;
  let credit = 0n;
  for (const r of rows) {
    debit += BigInt(r.debitCents);
    credit += BigInt(r.creditCents);
  }
  if (debit !== credit) throw new UnbalancedMonthError(month, debit, credit);
  const records = rows.map(ecrituresRecord);
  return { ...monthPeriod(month), records, totals: { debit_centimes: cents(debit), credit_centimes: cents(credit), lignes: records.length } };
}
