import type { Response } from 'express';
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
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: true, useSharedStrings: false });
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
