import type { Response } from 'express';
import { stringify } from 'csv-stringify';

/**
 * A cell that a spreadsheet will not run as a formula: values starting with = + - @ (or a tab or
 * carriage return) get a leading apostrophe (OWASP CSV injection).
 */
export function safeCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = value instanceof Date ? value.toISOString() : String(value);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** Streams rows as a French-Excel-friendly CSV download: UTF-8 with BOM, `;` separator. */
export async function sendCsv<T>(res: Response, filename: string, header: string[], source: AsyncIterable<T>, toCells: (row: T) => unknown[]): Promise<void> {
  const rows = await primed(source);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  const csv = stringify({ delimiter: ';', bom: true, record_delimiter: '\r\n' });
  csv.pipe(res);
  const write = (cells: string[]) =>
    new Promise<void>((resolve) => {
      if (csv.write(cells)) resolve();
      else csv.once('drain', () => resolve());
    });
  await write(header);
  for await (const row of rows) await write(toCells(row).map(safeCell));
  await new Promise<void>((resolve) => {
    res.once('finish', () => resolve());
    csv.end();
  });
}

/**
 * Reads the first row before anything is sent: a query that fails at once (a filter the database
 * refuses, a lost connection) reaches the error page with its status, instead of a download cut
 * after its header line.
 */
export async function primed<T>(rows: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };
}

/** Rows already in memory, as the async iterable sendCsv and sendXlsx stream from. */
export async function* toAsync<T>(rows: T[]): AsyncGenerator<T> {
  yield* rows;
}
