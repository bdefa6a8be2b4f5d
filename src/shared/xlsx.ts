import type { Response } from 'express';
import { PassThrough, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { primed, safeCell } from './csv';

export type XlsxCell = string | number | Date | null;
export type XlsxFormat = 'text' | 'euros' | 'date' | 'integer';

/**
 * Streams rows as an XLSX workbook (exceljs' streaming writer: rows are committed as they come,
 * never held all at once). Text cells are neutralised like CSV cells (no formula injection).
 */
export async function sendXlsx<T>(
  res: Response,
  filename: string,
  sheet: string,
  columns: Array<{ header: string; format: XlsxFormat }>,
  source: AsyncIterable<T>,
  toCells: (row: T) => XlsxCell[],
): Promise<void> {
  const rows = await primed(source);
  res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  await writeXlsx(res, sheet, columns, rows, toCells);
}

/** The same workbook as bytes (a mail's attachment). */
export async function xlsxBuffer<T>(
  sheet: string,
  columns: Array<{ header: string; format: XlsxFormat }>,
  source: AsyncIterable<T>,
  toCells: (row: T) => XlsxCell[],
): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  await writeXlsx(stream, sheet, columns, source, toCells);
  await ended;
  return Buffer.concat(chunks);
}

async function writeXlsx<T>(
  stream: Writable,
  sheet: string,
  columns: Array<{ header: string; format: XlsxFormat }>,
  rows: AsyncIterable<T>,
  toCells: (row: T) => XlsxCell[],
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  const ws = workbook.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({
    header: c.header,
    width: c.format === 'text' ? 28 : 16,
    style: c.format === 'euros' ? { numFmt: '#,##0.00 "€"' } : c.format === 'date' ? { numFmt: 'dd/mm/yyyy' } : {},
  }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for await (const row of rows) {
    const cells = toCells(row).map((v) => (typeof v === 'string' ? safeCell(v) : v));
    ws.addRow(cells).commit();
  }
  ws.commit();
  await workbook.commit();
}
