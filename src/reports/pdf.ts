import PDFDocument from 'pdfkit';
import { formatDateTime } from '../shared/format';
import { letterheadBlock } from '../shared/pdf';
import type { Figure } from '../statistics/figures';
import { chartTable, type ReportChart, type ReportContent, type ReportTable } from './content';

/**
 * The monthly report as a PDF (pdfkit, drawn with its vector API, no image): the association's
 * letterhead, the month's key figures, then each chart with its table beside it, then the tables.
 * A secret figure (« < 5 ») is written, never drawn as a bar.
 */

const MARGIN = 40;
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const BOTTOM = PAGE_HEIGHT - MARGIN - 14;
const BLUE = '#0d47a1';
const TEXT = '#0b0c0c';
const GREY = '#505a5f';
/** Okabe–Ito, as the statistics' SVG charts: told apart with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];

/** The narrow no-break space of French numbers is not in the standard fonts' set: a no-break space instead. */
const pdfText = (s: string): string => s.replace(/\u202f/g, '\u00a0');

export async function buildReportPdf(c: ReportContent): Promise<Buffer> {
  const title = `Rapport mensuel d’activité — ${c.monthLabel}`;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `${title} — ${c.scopeLabel}`, Author: c.letterhead.name, Subject: 'Rapport mensuel d’activité' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  letterheadBlock(doc, c.letterhead);
  doc.moveDown(1.5);
  doc.font('Helvetica-Bold').fontSize(16).fillColor(TEXT).text(title);
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BLUE).text(c.scopeLabel);
  doc.moveDown(0.5);
  doc
    .font('Helvetica')
    .fontSize(8.5)
    .fillColor(GREY)
    .text(
      pdfText(
        [
          `Chiffres de ${c.monthLabel} (heure de Paris), à côté du même mois un an avant` +
            (c.audience === 'landlord' ? ', et de la moyenne par bailleur adhérent (total de l’association ÷ nombre de bailleurs adhérents).' : '.'),
          c.updatedAt ? `Chiffres à jour au ${formatDateTime(c.updatedAt)}.` : null,
          'Secret statistique : un chiffre derrière lequel se trouvent 1 à 4 ménages est remplacé par « < 5 » et n’est pas dessiné. Aucune donnée personnelle.',
        ]
          .filter(Boolean)
          .join(' '),
      ),
      { width: CONTENT_WIDTH },
    );
  doc.moveDown(1);

  section(doc, c.headline.title);
  drawTable(doc, c.headline, MARGIN, CONTENT_WIDTH, [200]);
  doc.moveDown(1);
  section(doc, c.missionHeadline.title);
  drawTable(doc, c.missionHeadline, MARGIN, CONTENT_WIDTH, [200]);

  doc.addPage();
  section(doc, 'Graphiques et leurs chiffres');
  for (const chart of c.charts) drawChartWithTable(doc, chart);

  doc.addPage();
  section(doc, `Tableaux de ${c.monthLabel}`);
  for (const table of c.tables) {
    ensureRoom(doc, 60);
    doc.font('Helvetica-Bold').fontSize(10).fillColor(TEXT).text(table.title, MARGIN, doc.y);
    doc.moveDown(0.3);
    if (table.rows.length === 0) doc.font('Helvetica').fontSize(8).fillColor(GREY).text('Aucune donnée sur la période.', MARGIN, doc.y);
    else drawTable(doc, table, MARGIN, CONTENT_WIDTH, [table.columns.length > 5 ? 115 : 200]);
    doc.moveDown(1);
  }

  // footers, once the number of pages is known
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor(GREY)
      .text(`${c.letterhead.name} — ${title} — ${c.scopeLabel} — page ${i + 1} / ${range.count}`, MARGIN, PAGE_HEIGHT - MARGIN + 8, {
        width: CONTENT_WIDTH,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return bytes;
}

function section(doc: PDFKit.PDFDocument, text: string): void {
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BLUE).text(text, MARGIN, doc.y);
  doc.moveDown(0.4);
}

function ensureRoom(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > BOTTOM) doc.addPage();
}

const ROW = 12;

/**
 * A table at (x, doc.y), `width` wide: the first column(s) as given, the others share what is left;
 * figures right-aligned; the header is repeated on a new page.
 */
function drawTable(doc: PDFKit.PDFDocument, table: ReportTable, x: number, width: number, firstWidths: number[], fontSize = 7.5): void {
  const fixed = firstWidths.reduce((a, b) => a + b, 0);
  const rest = table.columns.length - firstWidths.length;
  const widths = [...firstWidths, ...Array.from({ length: rest }, () => (width - fixed) / Math.max(rest, 1))];
  const header = () => {
    const y = doc.y;
    const height = headerHeight(doc, table.columns, widths, fontSize);
    doc.rect(x, y, width, height).fill('#e8eef7');
    let cx = x;
    doc.font('Helvetica-Bold').fontSize(fontSize).fillColor(TEXT);
    table.columns.forEach((h, i) => {
      doc.text(h, cx + 2, y + 2, { width: widths[i]! - 4, align: i === 0 ? 'left' : 'right' });
      cx += widths[i]!;
    });
    doc.y = y + height;
  };
  ensureRoom(doc, ROW * 3);
  header();
  table.rows.forEach((row, index) => {
    if (doc.y + ROW > BOTTOM) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    if (index % 2 === 1) doc.rect(x, y, width, ROW).fill('#f5f5f5');
    let cx = x;
    doc.font('Helvetica').fontSize(fontSize).fillColor(TEXT);
    doc.text(pdfText(row.label), cx + 2, y + 2.5, { width: widths[0]! - 4, height: ROW, ellipsis: true, lineBreak: false });
    cx += widths[0]!;
    row.cells.forEach((cell, i) => {
      doc.font(cell.secret ? 'Helvetica-Oblique' : 'Helvetica').text(pdfText(cell.text), cx + 2, y + 2.5, {
        width: widths[i + 1]! - 4,
        align: 'right',
        lineBreak: false,
      });
      cx += widths[i + 1]!;
    });
    doc.y = y + ROW;
  });
  doc.x = MARGIN;
}

function headerHeight(doc: PDFKit.PDFDocument, columns: string[], widths: number[], fontSize: number): number {
  doc.font('Helvetica-Bold').fontSize(fontSize);
  return Math.max(ROW, ...columns.map((h, i) => doc.heightOfString(h, { width: widths[i]! - 4 }) + 4));
}

const CHART_WIDTH = 290;
const TABLE_GAP = 15;
const BAR = 5;
const GROUP_GAP = 4;
const LABEL_WIDTH = 62;

const value = (f: Figure): number | null => (f.secret || f.value === null ? null : f.value);

/** A chart (horizontal grouped bars) on the left, the same figures as a table on its right. */
function drawChartWithTable(doc: PDFKit.PDFDocument, chart: ReportChart): void {
  const groups = chart.categories.length;
  const groupHeight = chart.series.length * BAR + GROUP_GAP;
  const plotHeight = Math.max(groups, 1) * groupHeight;
  const tableHeight = (groups + 2) * ROW;
  ensureRoom(doc, 40 + Math.max(plotHeight + 30, tableHeight));
  doc.font('Helvetica-Bold').fontSize(10).fillColor(TEXT).text(chart.title, MARGIN, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  const top = doc.y;

  // legend
  let lx = MARGIN;
  doc.font('Helvetica').fontSize(7);
  chart.series.forEach((s, i) => {
    doc.rect(lx, top + 1, 7, 7).fill(PALETTE[i % PALETTE.length]);
    doc.fillColor(TEXT).text(s.name, lx + 10, top + 1, { lineBreak: false });
    lx += 16 + doc.widthOfString(s.name);
  });
  const plotTop = top + 14;
  const barsLeft = MARGIN + LABEL_WIDTH;
  const barsWidth = CHART_WIDTH - LABEL_WIDTH - 40;
  const max = Math.max(0, ...chart.series.flatMap((s) => s.values.map((v) => value(v) ?? 0)));
  if (groups === 0 || max === 0) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(8)
      .fillColor(GREY)
      .text('Aucune donnée sur la période', barsLeft, plotTop + 4, { lineBreak: false });
  }
  // axis
  doc
    .moveTo(barsLeft, plotTop)
    .lineTo(barsLeft, plotTop + plotHeight)
    .lineWidth(0.5)
    .strokeColor(GREY)
    .stroke();
  chart.categories.forEach((category, g) => {
    const gy = plotTop + g * groupHeight;
    doc
      .font('Helvetica')
      .fontSize(6.5)
      .fillColor(TEXT)
      .text(pdfText(category), MARGIN, gy + (chart.series.length * BAR) / 2 - 3, { width: LABEL_WIDTH - 4, align: 'right', lineBreak: false, ellipsis: true });
    chart.series.forEach((s, i) => {
      const f = s.values[g]!;
      const v = value(f);
      const by = gy + i * BAR;
      if (v !== null && max > 0 && v > 0) {
        const w = Math.max(0.5, (v / max) * barsWidth);
        doc.rect(barsLeft, by, w, BAR - 0.8).fill(PALETTE[i % PALETTE.length]);
      } else if (f.secret) {
        doc
          .font('Helvetica-Oblique')
          .fontSize(5)
          .fillColor(GREY)
          .text('< 5', barsLeft + 2, by - 0.5, { lineBreak: false });
      }
    });
  });
  const chartBottom = plotTop + plotHeight + 4;
  doc
    .font('Helvetica')
    .fontSize(6.5)
    .fillColor(GREY)
    .text(
      pdfText(
        max > 0
          ? `Échelle : 0 à ${chart.unit === 'euros' ? `${(max / 100).toLocaleString('fr-FR', { maximumFractionDigits: 0 })} €` : max.toLocaleString('fr-FR')}`
          : '',
      ),
      barsLeft,
      chartBottom,
      { lineBreak: false },
    );

  // the table beside
  doc.y = top;
  const tableX = MARGIN + CHART_WIDTH + TABLE_GAP;
  const tableWidth = CONTENT_WIDTH - CHART_WIDTH - TABLE_GAP;
  drawTable(doc, chartTable(chart), tableX, tableWidth, [70], 7);
  doc.x = MARGIN;
  doc.y = Math.max(doc.y, chartBottom + 10) + 14;
}
