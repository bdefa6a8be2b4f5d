import { formatDate } from '../../shared/format';
import { formatIban } from '../../shared/iban';
import { a4Document, type Letterhead, letterheadBlock, pdfEuros } from '../../shared/pdf';
import type { InvoiceLine } from './repository';

export interface InvoicePdfData {
  letterhead: Letterhead;
  associationSiren: string | null;
  buyer: { name: string; addressLines: string[] };
  number: string;
  /** the month billed, AAAA-MM */
  month: string;
  issuedOn: string;
  dueOn: string;
  paymentDays: number;
  iban: string | null;
  bic: string | null;
  lines: readonly InvoiceLine[];
  totalHtCents: number;
  totalTtcCents: number;
  /** the FACTURATION file that carries the lines */
  fileName: string;
}

const MARGIN = 48;
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
export const monthWords = (month: string): string => `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month} ${month.slice(0, 4)}`;
const quantity = (q: number): string => q.toLocaleString('fr-FR', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const UNITS = { heure: 'h', forfait: 'forfait', aide: 'aide' } as const;

/**
 * The invoice to Action Logement: the association's letterhead and SIREN, the buyer, the number,
 * one row per line of the FACTURATION file, the totals (no VAT: art. 261-7-1° of the CGI), the
 * payment terms.
 */
export function buildInvoicePdf(d: InvoicePdfData): Promise<Buffer> {
  const { doc, bytes } = a4Document(MARGIN, { Title: `Facture ${d.number}`, Author: d.letterhead.name, Subject: `Facturation ${monthWords(d.month)}` });
  const width = doc.page.width - 2 * MARGIN;
  letterheadBlock(doc, d.letterhead);
  if (d.associationSiren) doc.text(`SIREN ${d.associationSiren}`);

  const top = doc.y + 12;
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .fillColor('#000000')
    .text(d.buyer.name, MARGIN + width / 2, top, { width: width / 2 });
  doc.font('Helvetica').fontSize(9);
  for (const line of d.buyer.addressLines) doc.text(line, { width: width / 2 });

  doc.x = MARGIN;
  doc.moveDown(1.5).font('Helvetica-Bold').fontSize(14).text(`Facture n° ${d.number}`, MARGIN, doc.y, { width });
  doc.font('Helvetica').fontSize(10).moveDown(0.4);
  doc.text(`Date : ${formatDate(d.issuedOn)}`, { width });
  doc.text(`Objet : accompagnements sociaux et frais de gestion, ${monthWords(d.month)}`, { width });
  doc.text(`Échéance : ${formatDate(d.dueOn)}`, { width });
  doc.moveDown();

  const cols = { line: MARGIN, label: MARGIN + 28, qty: MARGIN + 280, unit: MARGIN + 320, price: MARGIN + 370, amount: MARGIN + width - 70 };
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(8);
    const y = doc.y;
    doc
      .text('N°', cols.line, y)
      .text('Désignation', cols.label, y)
      .text('Qté', cols.qty, y, { width: 36, align: 'right' })
      .text('Unité', cols.unit, y)
      .text('Prix unitaire', cols.price, y, { width: 70, align: 'right' })
      .text('Montant', cols.amount, y, { width: 70, align: 'right' });
    doc
      .moveTo(MARGIN, doc.y + 2)
      .lineTo(MARGIN + width, doc.y + 2)
      .stroke('#999999');
    doc.font('Helvetica').moveDown(0.3);
  };
  header();
  for (const l of d.lines) {
    if (doc.y > doc.page.height - 120) {
      doc.addPage();
      header();
    }
    const y = doc.y + 2;
    // a long designation wraps: the row is as tall as it
    const height = Math.max(11, doc.heightOfString(l.label, { width: 248 }) + 2);
    doc
      .text(String(l.line), cols.line, y, { width: 26 })
      .text(l.label, cols.label, y, { width: 248 })
      .text(quantity(l.quantity), cols.qty, y, { width: 36, align: 'right' })
      .text(UNITS[l.unit], cols.unit, y, { width: 48 })
      .text(pdfEuros(l.unitPriceCents), cols.price, y, { width: 70, align: 'right' })
      .text(pdfEuros(l.amountCents), cols.amount, y, { width: 70, align: 'right' });
    doc.y = y + height;
  }
  doc
    .moveTo(MARGIN, doc.y + 4)
    .lineTo(MARGIN + width, doc.y + 4)
    .stroke('#999999');
  doc.moveDown(0.8);
  // the totals and the terms stay together on the last page
  if (doc.y > doc.page.height - 220) doc.addPage();

  const total = (label: string, value: string, bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    doc.text(label, MARGIN + width / 2, y, { width: width / 2 - 80 });
    doc.text(value, cols.amount - 10, y, { width: 80, align: 'right' });
  };
  total('Total HT', pdfEuros(d.totalHtCents));
  total('TVA', 'non applicable');
  total('Total TTC', pdfEuros(d.totalTtcCents), true);
  total('Net à payer', pdfEuros(d.totalTtcCents), true);

  doc.x = MARGIN;
  doc.moveDown(1.2).font('Helvetica').fontSize(9).fillColor('#333333');
  doc.text('TVA non applicable, article 261-7-1° du Code général des impôts.', MARGIN, doc.y, { width });
  doc.text(
    `Paiement à ${d.paymentDays} jours, au plus tard le ${formatDate(d.dueOn)}, par virement${d.iban ? ` sur le compte IBAN ${formatIban(d.iban)}${d.bic ? ` (BIC ${d.bic})` : ''}` : ''}, en rappelant le numéro de la facture. Pas d’escompte pour paiement anticipé.`,
    { width },
  );
  doc.text(
    'En cas de retard de paiement : pénalités au taux d’intérêt légal majoré de dix points et indemnité forfaitaire de 40 € pour frais de recouvrement (articles L. 441-10 et D. 441-5 du Code de commerce).',
    { width },
  );
  doc.moveDown(0.5).fillColor('#555555').fontSize(8);
  doc.text(`Le détail ligne à ligne figure dans le fichier ${d.fileName} transmis à ${d.buyer.name}.`, { width });
  doc.end();
  return bytes;
}
