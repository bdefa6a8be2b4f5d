import type { Knex } from 'knex';
import type { Db, Page } from '../db/types';
import { toPage } from '../db/types';
import type { FecRow } from './fec';

export interface NewLine {
  accountNumber: string;
  auxNumber?: string | null;
  auxLabel?: string | null;
  label: string;
  debitCents: number;
  creditCents: number;
  paymentId?: string | null;
}

export interface NewEntry {
  fiscalYear: number;
  journalCode: string;
  /** the sequence the number comes from: the journal's own, or '*' for one per fiscal year */
  counter: string;
  entryDate: string;
  pieceRef: string;
  pieceDate: string;
  label: string;
  sourceType: 'grant' | 'batch' | 'rejection' | 'cancellation';
  requestId?: string | null;
  batchId?: string | null;
  reversesEntryId?: string | null;
  createdByLabel: string;
  /** the analytic code of the fund that pays the aid, on every line of the entry */
  analyticCode?: string | null;
  lines: NewLine[];
}

export interface LedgerLine {
  id: string;
  entryId: string;
  entryNumber: string;
  entryDate: string;
  journalCode: string;
  pieceRef: string;
  accountNumber: string;
  accountLabel: string;
  auxNumber: string | null;
  auxLabel: string | null;
  label: string;
  debitCents: number;
  creditCents: number;
  paymentId: string | null;
  requestId: string | null;
  matchCode: string | null;
}

export interface LedgerFilter {
  from?: string | undefined;
  to?: string | undefined;
  journal?: string | undefined;
  account?: string | undefined;
  aux?: string | undefined;
  piece?: string | undefined;
  unmatched?: boolean | undefined;
}

/** A row of ledger_lines (bigint as string). */
interface LineRow {
  id: string;
  entry_id: string;
  line_no: number;
  account_number: string;
  account_label: string;
  aux_number: string | null;
  aux_label: string | null;
  label: string;
  debit_cents: string;
  credit_cents: string;
  payment_id: string | null;
}

/** A line with its entry's number, date, journal, piece and request, and its matching code (lineQuery). */
interface LedgerLineRow extends LineRow {
  number_text: string;
  entry_date: string;
  journal_code: string;
  piece_ref: string;
  request_id: string | null;
  match_code: string | null;
}

/** A row of ledger_entries (date as 'YYYY-MM-DD'); a type, not an interface, so that it reads as a Record. */
type EntryRow = {
  id: string;
  fiscal_year: number;
  journal_code: string;
  number: number;
  number_text: string;
  entry_date: string;
  piece_ref: string;
  piece_date: string;
  label: string;
  validated_at: Date;
  source_type: NewEntry['sourceType'];
  request_id: string | null;
  batch_id: string | null;
  reverses_entry_id: string | null;
  created_by_label: string;
};

/** A row of accounting_exports (bigint as string); a type, not an interface, so that it reads as a Record. */
type ExportRow = {
  id: string;
  number: number;
  created_at: Date;
  job_run_id: string | null;
  file_blob_id: string;
  file_name: string;
  entries: number;
  lines: number;
  debit_cents: string;
  credit_cents: string;
  delivered_to: string | null;
};

interface AccountRow {
  number: string;
  label: string;
  version: number;
  updated_at: Date;
}

const toLine = (r: LedgerLineRow): LedgerLine => ({
  id: r.id,
  entryId: r.entry_id,
  entryNumber: r.number_text,
  entryDate: r.entry_date,
  journalCode: r.journal_code,
  pieceRef: r.piece_ref,
  accountNumber: r.account_number,
  accountLabel: r.account_label,
  auxNumber: r.aux_number ?? null,
  auxLabel: r.aux_label ?? null,
  label: r.label,
  debitCents: Number(r.debit_cents),
  creditCents: Number(r.credit_cents),
  paymentId: r.payment_id ?? null,
  requestId: r.request_id ?? null,
  matchCode: r.match_code ?? null,
});

/** Letters for matching codes: 1 → "A", 26 → "Z", 27 → "AA"… */
export function matchCode(n: number): string {
  let s = '';
  let k = n;
  while (k > 0) {
    const r = (k - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    k = Math.floor((k - 1) / 26);
  }
  return s;
}

/** The ledger: entries and their lines (written once), matches, closed periods, exports. */
export class LedgerRepository {
  /**
   * The next `count` entry numbers of a sequence, taken in the caller's transaction: the counter
   * row stays locked until commit and a rollback gives the numbers back, so numbers never skip.
   */
  async nextNumbers(trx: Db, fiscalYear: number, counter: string, count = 1): Promise<number> {
    const { rows } = await trx.raw<{ rows: Array<{ last_number: number }> }>(
      `insert into ledger_counters (fiscal_year, journal_code, last_number) values (?, ?, ?)
       on conflict (fiscal_year, journal_code) do update set last_number = ledger_counters.last_number + excluded.last_number returning last_number`,
      [fiscalYear, counter, count],
    );
    return Number(rows[0]?.last_number) - count + 1;
  }

  async accountLabels(trx: Db, numbers: string[]): Promise<Map<string, string>> {
    await trx('accounts')
      .insert(numbers.map((number) => ({ number, label: `Compte ${number}` })))
      .onConflict('number')
      .ignore();
    const rows = await trx<AccountRow>('accounts').whereIn('number', numbers).select('number', 'label');
    return new Map(rows.map((r) => [r.number, r.label]));
  }

  async ensureAccount(trx: Db, number: string): Promise<void> {
    await trx('accounts')
      .insert({ number, label: `Compte ${number}` })
      .onConflict('number')
      .ignore();
  }

  /** Writes entries and their lines in a few statements; returns each entry's id and its lines' ids. */
  async insertMany(
    trx: Db,
    entries: Array<NewEntry & { number: number; numberText: string }>,
    labels: Map<string, string>,
    validatedAt: Date,
  ): Promise<Array<{ id: string; lineIds: string[] }>> {
    const out: Array<{ id: string; lineIds: string[] }> = [];
    for (let k = 0; k < entries.length; k += 1000) {
      const chunk = entries.slice(k, k + 1000);
      const ids = await trx('ledger_entries')
        .insert(
          chunk.map((e) => ({
            fiscal_year: e.fiscalYear,
            journal_code: e.journalCode,
            number: e.number,
            number_text: e.numberText,
            entry_date: e.entryDate,
            piece_ref: e.pieceRef,
            piece_date: e.pieceDate,
            label: e.label,
            validated_at: validatedAt,
            source_type: e.sourceType,
            request_id: e.requestId ?? null,
            batch_id: e.batchId ?? null,
            reverses_entry_id: e.reversesEntryId ?? null,
            created_by_label: e.createdByLabel,
          })),
        )
        .returning<Array<Pick<EntryRow, 'id' | 'number_text'>>>(['id', 'number_text']);
      const idOf = new Map(ids.map((r) => [r.number_text, r.id]));
      const lines = chunk.flatMap((e) =>
        e.lines.map((l, i) => ({
          entry_id: idOf.get(e.numberText) as string,
          line_no: i + 1,
          account_number: l.accountNumber,
          account_label: labels.get(l.accountNumber) ?? `Compte ${l.accountNumber}`,
          aux_number: l.auxNumber ?? null,
          aux_label: l.auxLabel ?? null,
          label: l.label,
          debit_cents: l.debitCents,
          credit_cents: l.creditCents,
          payment_id: l.paymentId ?? null,
          analytic_code: e.analyticCode ?? null,
        })),
      );
      const byEntry = new Map<string, Array<{ id: string; line_no: number }>>();
      for (let i = 0; i < lines.length; i += 2000) {
        for (const r of await trx('ledger_lines')
          .insert(lines.slice(i, i + 2000))
          .returning<Array<Pick<LineRow, 'id' | 'entry_id' | 'line_no'>>>(['id', 'entry_id', 'line_no'])) {
          const list = byEntry.get(r.entry_id);
          if (list) list.push(r);
          else byEntry.set(r.entry_id, [r]);
        }
      }
      for (const e of chunk) {
        const id = idOf.get(e.numberText) as string;
        out.push({ id, lineIds: (byEntry.get(id) ?? []).sort((x, y) => x.line_no - y.line_no).map((l) => l.id) });
      }
    }
    return out;
  }

  async hasEntries(db: Db): Promise<boolean> {
    return Boolean(await db('ledger_entries').first('id'));
  }

  async isClosed(db: Db, period: string): Promise<boolean> {
    return Boolean(await db('closed_periods').where({ period }).first('period'));
  }

  async closedPeriods(db: Db): Promise<Array<{ period: string; closedByLabel: string; closedAt: Date }>> {
    return (await db<{ period: string; closed_by: string | null; closed_by_label: string; closed_at: Date }>('closed_periods').orderBy('period', 'desc')).map(
      (r) => ({ period: r.period, closedByLabel: r.closed_by_label, closedAt: r.closed_at }),
    );
  }

  async close(trx: Db, period: string, by: { id: string; label: string }, now: Date): Promise<boolean> {
    const rows = await trx('closed_periods')
      .insert({ period, closed_by: by.id, closed_by_label: by.label, closed_at: now })
      .onConflict('period')
      .ignore()
      .returning<Array<{ period: string }>>('period');
    return rows.length === 1;
  }

  /**
   * The open payable line of each payment: its credit on a third-party account (the grant's, or
   * the reversal of a rejected transfer), not matched yet, with the entry it belongs to.
   */
  async openPayables(trx: Db, paymentIds: string[]): Promise<Map<string, { id: string; entryId: string; accountNumber: string; creditCents: number }>> {
    const out = new Map<string, { id: string; entryId: string; accountNumber: string; creditCents: number }>();
    for (let i = 0; i < paymentIds.length; i += 5000) {
      const rows = await trx('ledger_lines as l')
        .whereIn('l.payment_id', paymentIds.slice(i, i + 5000))
        .where('l.credit_cents', '>', 0)
        .whereNotExists((q) => q.from('ledger_matches as m').whereRaw('m.line_id = l.id'))
        .select<Array<Pick<LineRow, 'id' | 'entry_id' | 'account_number' | 'credit_cents'> & { payment_id: string }>>(
          'l.id',
          'l.entry_id',
          'l.payment_id',
          'l.account_number',
          'l.credit_cents',
        );
      for (const r of rows) out.set(r.payment_id, { id: r.id, entryId: r.entry_id, accountNumber: r.account_number, creditCents: Number(r.credit_cents) });
    }
    return out;
  }

  /** The analytic code of each request's grant entry (the fund that pays it), where there is one. */
  async analyticCodes(trx: Db, requestIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(requestIds)];
    for (let i = 0; i < unique.length; i += 5000) {
      const rows = await trx('ledger_entries as e')
        .join('ledger_lines as l', 'l.entry_id', 'e.id')
        .whereIn('e.request_id', unique.slice(i, i + 5000))
        .where('e.source_type', 'grant')
        .whereNotNull('l.analytic_code')
        .distinct<Array<{ request_id: string; analytic_code: string }>>('e.request_id', 'l.analytic_code');
      for (const r of rows) out.set(r.request_id, r.analytic_code);
    }
    return out;
  }

  /** The expense account an entry charged (its debit line without payment): where a cancellation credits back. */
  async expenseAccountOf(trx: Db, entryId: string): Promise<string | null> {
    const row = await trx('ledger_lines')
      .where({ entry_id: entryId })
      .whereNull('payment_id')
      .where('debit_cents', '>', 0)
      .first<Pick<LineRow, 'account_number'> | undefined>('account_number');
    return row?.account_number ?? null;
  }

  /** The bank entry's line that paid a payment (its debit on the third-party account), with its entry. */
  async paidLine(
    trx: Db,
    paymentId: string,
  ): Promise<{ id: string; entryId: string; accountNumber: string; auxNumber: string | null; auxLabel: string | null; debitCents: number } | null> {
    const row = await trx('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .where({ 'l.payment_id': paymentId, 'e.source_type': 'batch' })
      .where('l.debit_cents', '>', 0)
      .orderBy('e.number', 'desc')
      .first<Pick<LineRow, 'id' | 'entry_id' | 'account_number' | 'aux_number' | 'aux_label' | 'debit_cents'> | undefined>(
        'l.id',
        'l.entry_id',
        'l.account_number',
        'l.aux_number',
        'l.aux_label',
        'l.debit_cents',
      );
    return row
      ? {
          id: row.id,
          entryId: row.entry_id,
          accountNumber: row.account_number,
          auxNumber: row.aux_number ?? null,
          auxLabel: row.aux_label ?? null,
          debitCents: Number(row.debit_cents),
        }
      : null;
  }

  async payeeAccounts(trx: Db, payeeIds: string[]): Promise<Map<string, { code: string; name: string }>> {
    const rows = await trx('payees').whereIn('id', payeeIds).select<Array<{ id: string; account_code: string; name: string }>>('id', 'account_code', 'name');
    return new Map(rows.map((r) => [r.id, { code: r.account_code, name: r.name }]));
  }

  /**
   * The matching code of a request's third-party lines: the one its lines already carry, or a new
   * one (letters, unique over the ledger). One code per grant keeps one code per entry (DGFiP check).
   */
  async matchCodeOf(trx: Db, requestId: string | null): Promise<string> {
    if (requestId) {
      const row = await trx('ledger_matches as m')
        .join('ledger_lines as l', 'l.id', 'm.line_id')
        .join('ledger_entries as e', 'e.id', 'l.entry_id')
        .where('e.request_id', requestId)
        .first<{ code: string } | undefined>('m.code');
      if (row) return row.code;
    }
    return matchCode(await this.nextNumbers(trx, 0, 'LETTRAGE'));
  }

  async match(trx: Db, lineIds: string[], code: string, on: string): Promise<void> {
    for (let i = 0; i < lineIds.length; i += 5000)
      await trx('ledger_matches').insert(lineIds.slice(i, i + 5000).map((id) => ({ line_id: id, code, matched_on: on })));
  }

  private lineQuery(db: Db) {
    return db('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .leftJoin('ledger_matches as m', 'm.line_id', 'l.id')
      .select<LedgerLineRow[]>('l.*', 'e.number_text', 'e.entry_date', 'e.journal_code', 'e.piece_ref', 'e.request_id', 'm.code as match_code');
  }

  private filtered(db: Db, f: LedgerFilter) {
    const q = this.lineQuery(db);
    if (f.from) q.where('e.entry_date', '>=', f.from);
    if (f.to) q.where('e.entry_date', '<=', f.to);
    if (f.journal) q.where('e.journal_code', f.journal);
    if (f.account) q.where('l.account_number', 'like', `${f.account.replace(/[\\%_]/g, '')}%`);
    if (f.aux) q.where('l.aux_number', f.aux);
    if (f.piece) q.where('e.piece_ref', 'like', `${f.piece.replace(/[\\%_]/g, '')}%`);
    if (f.unmatched) q.whereNull('m.line_id');
    return q;
  }

  async lines(db: Db, f: LedgerFilter, page: number, pageSize = 100): Promise<Page<LedgerLine>> {
    const [count] = await db.from(this.filtered(db, f).clearSelect().select(db.raw('1')).limit(10_001).as('x')).count<{ n: string }[]>('* as n');
    const rows = await this.filtered(db, f)
      .orderBy([{ column: 'e.fiscal_year' }, { column: 'e.number' }, { column: 'l.line_no' }])
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return toPage(rows.map(toLine), Number(count?.n ?? 0), page, pageSize);
  }

  async *allLines(db: Db, f: LedgerFilter): AsyncGenerator<LedgerLine> {
    let after: { year: number; number: number; line: number } | null = null;
    for (;;) {
      const q = this.filtered(db, f).select<Array<LedgerLineRow & Pick<EntryRow, 'fiscal_year' | 'number'>>>('e.fiscal_year', 'e.number');
      if (after) q.whereRaw('(e.fiscal_year, e.number, l.line_no) > (?, ?, ?)', [after.year, after.number, after.line]);
      const rows = await q.orderBy([{ column: 'e.fiscal_year' }, { column: 'e.number' }, { column: 'l.line_no' }]).limit(2000);
      if (rows.length === 0) return;
      for (const r of rows) yield toLine(r);
      const last = rows[rows.length - 1]!;
      after = { year: last.fiscal_year, number: last.number, line: last.line_no };
    }
  }

  async entry(db: Db, id: string): Promise<{ entry: Record<string, unknown>; lines: LedgerLine[] } | null> {
    const entry = await db('ledger_entries as e')
      .leftJoin('journals as j', 'j.code', 'e.journal_code')
      .where('e.id', id)
      .first<(EntryRow & { journal_label: string | null }) | undefined>('e.*', 'j.label as journal_label');
    if (!entry) return null;
    return { entry, lines: (await this.lineQuery(db).where('l.entry_id', id).orderBy('l.line_no')).map(toLine) };
  }

  /** Debit, credit and balance per account over a period (the trial balance). */
  async trialBalance(db: Db, from: string, to: string): Promise<Array<{ account: string; label: string; debitCents: number; creditCents: number }>> {
    const rows = await db('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .leftJoin('accounts as a', 'a.number', 'l.account_number')
      .whereBetween('e.entry_date', [from, to])
      .groupBy('l.account_number', 'a.label')
      .orderBy('l.account_number')
      .select<Array<{ account_number: string; label: string | null; debit: string; credit: string }>>(
        'l.account_number',
        'a.label',
        db.raw('sum(l.debit_cents) as debit'),
        db.raw('sum(l.credit_cents) as credit'),
      );
    return rows.map((r) => ({ account: r.account_number, label: r.label ?? '', debitCents: Number(r.debit), creditCents: Number(r.credit) }));
  }

  /** What is owed to each payee on the third-party account: credits, debits, balance, and how many lines are not matched. */
  async payeeBalances(
    db: Db,
    payableAccount: string,
    until: string,
  ): Promise<Array<{ aux: string; label: string; debitCents: number; creditCents: number; unmatched: number }>> {
    const rows = await db('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .leftJoin('ledger_matches as m', 'm.line_id', 'l.id')
      .where('l.account_number', payableAccount)
      .where('e.entry_date', '<=', until)
      .whereNotNull('l.aux_number')
      .groupBy('l.aux_number')
      .orderBy('l.aux_number')
      .select<Array<{ aux_number: string; label: string; debit: string; credit: string; unmatched: string }>>(
        'l.aux_number',
        db.raw('max(l.aux_label) as label'),
        db.raw('sum(l.debit_cents) as debit'),
        db.raw('sum(l.credit_cents) as credit'),
        db.raw('count(*) filter (where m.line_id is null) as unmatched'),
      );
    return rows.map((r) => ({ aux: r.aux_number, label: r.label, debitCents: Number(r.debit), creditCents: Number(r.credit), unmatched: Number(r.unmatched) }));
  }

  /** The FEC query: every line of a fiscal year in validation order, with its entry, journal and matching. */
  fecQuery(db: Knex, fiscalYear: number): Knex.QueryBuilder {
    return db('ledger_lines as l')
      .join('ledger_entries as e', 'e.id', 'l.entry_id')
      .join('journals as j', 'j.code', 'e.journal_code')
      .leftJoin('ledger_matches as m', 'm.line_id', 'l.id')
      .where('e.fiscal_year', fiscalYear)
      .orderBy([{ column: 'e.validated_at' }, { column: 'e.number' }, { column: 'l.line_no' }])
      .select(
        'e.journal_code as journalCode',
        'j.label as journalLabel',
        'e.number_text as entryNumber',
        'e.entry_date as entryDate',
        'l.account_number as accountNumber',
        'l.account_label as accountLabel',
        'l.aux_number as auxNumber',
        'l.aux_label as auxLabel',
        'e.piece_ref as pieceRef',
        'e.piece_date as pieceDate',
        'l.label',
        'l.debit_cents as debitCents',
        'l.credit_cents as creditCents',
        'm.code as matchCode',
        'm.matched_on as matchDate',
        db.raw("to_char(e.validated_at at time zone 'Europe/Paris', 'YYYY-MM-DD') as \"validatedOn\""),
        'l.analytic_code as analyticCode',
      );
  }

  /**
   * The FEC's lines of the entries dated from one day to another (the funder's ECRITURES flow
   * sends a closed month): the FEC query itself, so both give the same lines, in the same order,
   * with each line's number in its entry.
   */
  async fecRowsDated(db: Db, from: string, to: string): Promise<Array<FecRow & { lineNo: number }>> {
    const q = this.fecQuery(db as Knex, 0)
      .clearWhere()
      .whereBetween('e.entry_date', [from, to])
      .select('l.line_no as lineNo');
    return (await q) as Array<FecRow & { lineNo: number }>;
  }

  /** Entries no export has taken yet, oldest first (the nightly export takes them all, a page at a time). */
  async unexportedEntryIds(trx: Db, until: Date): Promise<string[]> {
    const rows = await trx('ledger_entries as e')
      .whereNotExists((q) => q.from('accounting_export_entries as x').whereRaw('x.entry_id = e.id'))
      .where('e.validated_at', '<=', until)
      .orderBy([{ column: 'e.fiscal_year' }, { column: 'e.number' }])
      .select<Array<Pick<EntryRow, 'id'>>>('e.id');
    return rows.map((r) => r.id);
  }

  async rowsOfEntries(trx: Db, ids: string[]): Promise<FecRow[]> {
    const out: FecRow[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      const q = this.fecQuery(trx as Knex, 0)
        .clearWhere()
        .whereIn('e.id', ids.slice(i, i + 5000));
      out.push(...((await q) as FecRow[]));
    }
    return out;
  }

  async insertExport(
    trx: Db,
    x: {
      number: number;
      now: Date;
      jobRunId: string | null;
      fileBlobId: string;
      fileName: string;
      entries: number;
      lines: number;
      debit: bigint;
      credit: bigint;
      deliveredTo: string | null;
    },
    entryIds: string[],
  ): Promise<string> {
    const [row] = await trx('accounting_exports')
      .insert({
        number: x.number,
        created_at: x.now,
        job_run_id: x.jobRunId,
        file_blob_id: x.fileBlobId,
        file_name: x.fileName,
        entries: x.entries,
        lines: x.lines,
        debit_cents: x.debit.toString(),
        credit_cents: x.credit.toString(),
        delivered_to: x.deliveredTo,
      })
      .returning<Array<Pick<ExportRow, 'id'>>>('id');
    const id = row!.id;
    for (let i = 0; i < entryIds.length; i += 5000)
      await trx('accounting_export_entries').insert(entryIds.slice(i, i + 5000).map((e) => ({ entry_id: e, export_id: id })));
    return id;
  }

  async exports(db: Db): Promise<Array<Record<string, unknown>>> {
    return db<ExportRow>('accounting_exports').orderBy('number', 'desc').limit(100);
  }

  async exportById(db: Db, id: string): Promise<Record<string, unknown> | null> {
    return (await db<ExportRow>('accounting_exports').where({ id }).first()) ?? null;
  }

  async accounts(db: Db): Promise<Array<{ number: string; label: string; version: number }>> {
    return db<AccountRow>('accounts').orderBy('number').select('number', 'label', 'version');
  }

  async saveAccount(trx: Db, number: string, label: string): Promise<{ before: string | null }> {
    const before = await trx<AccountRow>('accounts').where({ number }).first('label');
    if (before)
      await trx('accounts')
        .where({ number })
        .update({ label, version: trx.raw('version + 1'), updated_at: trx.fn.now() });
    else await trx('accounts').insert({ number, label });
    return { before: before?.label ?? null };
  }

  async journals(db: Db): Promise<Array<{ code: string; label: string }>> {
    return db<{ code: string; label: string }>('journals').orderBy('code').select('code', 'label');
  }

  async ensureJournal(trx: Db, code: string, label: string): Promise<void> {
    await trx('journals').insert({ code, label }).onConflict('code').ignore();
  }
}
