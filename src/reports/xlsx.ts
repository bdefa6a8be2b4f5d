import ExcelJS from 'exceljs';
import { safeCell } from '../shared/csv';
import { formatDateTime } from '../shared/format';
import type { Figure } from '../statistics/figures';
import { chartTable, type ReportContent, type ReportTable } from './content';

/** A figure in a cell: « < 5 » when secret, the number otherwise (euros from cents), empty when there is nothing to measure. */
const cell = (f: Figure): string | number | null => (f.secret ? '< 5' : f.value === null ? null : f.kind === 'euros' ? f.value / 100 : f.value);

const EUROS = '#,##0.00 "€"';

/**
 * The monthly report as an XLSX workbook: the same figures as the PDF, one sheet per table (the
 * charts' tables included), French headers, « < 5 » where a figure is secret, and a « Lisez-moi ».
 */
export async function buildReportXlsx(c: ReportContent): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = c.letterhead.name;
  const readme = workbook.addWorksheet('Lisez-moi');
  readme.columns = [{ width: 120 }];
  for (const line of [
    `Rapport mensuel d’activité — ${c.monthLabel} — ${c.scopeLabel}`,
    c.letterhead.name,
    `Chiffres de ${c.monthLabel} (heure de Paris), à côté du même mois un an avant${c.audience === 'landlord' ? ' et de la moyenne par bailleur adhérent' : ''}.`,
    c.updatedAt ? `Chiffres à jour au ${formatDateTime(c.updatedAt)}.` : '',
    'Secret statistique : un chiffre derrière lequel se trouvent 1 à 4 ménages est remplacé par « < 5 ». Aucune donnée personnelle.',
    'Montants en euros ; délais en jours calendaires ; taux en pourcentage.',
  ])
    readme.addRow([safeCell(line)]);
  readme.getRow(1).font = { bold: true };

  const names = new Set<string>(['Lisez-moi']);
  const sheetName = (title: string): string => {
    // a sheet's name: 31 characters at most, none of : \ / ? * [ ], unique
    const base = title
      .replace(/[:\\/?*[\]]/g, ' ')
      .slice(0, 28)
      .trim();
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base.slice(0, 26)} ${i}`;
    names.add(name);
    return name;
  };
  const addTable = (title: string, t: ReportTable) => {
    const ws = workbook.addWorksheet(sheetName(title));
    ws.columns = t.columns.map((h, i) => ({ header: safeCell(h || 'Ligne'), width: i === 0 ? 34 : 18 }));
    ws.getRow(1).font = { bold: true };
    for (const r of t.rows) {
      const row = ws.addRow([safeCell(r.label), ...r.cells.map(cell)]);
      r.cells.forEach((f, i) => {
        const target = row.getCell(i + 2);
        if (f.secret) target.alignment = { horizontal: 'right' };
        else if (f.kind === 'euros') target.numFmt = EUROS;
        else if (f.kind === 'percent' || f.kind === 'days' || f.kind === 'hours') target.numFmt = '0.0';
      });
    }
  };
  addTable('Synthèse demandes', c.headline);
  addTable('Synthèse accompagnements', c.missionHeadline);
  for (const chart of c.charts) addTable(chart.title.replace(/ — .*$/, ''), chartTable(chart));
  for (const table of c.tables) addTable(table.title, table);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
