import type { Settings } from '../../settings/schemas';
import { formatDate } from '../../shared/format';
import { a4Document, letterheadBlock, pdfEuros } from '../../shared/pdf';

/** One line of a payment notice ("avis de mise en paiement"). */
export interface NoticeLine {
  reference: string;
  tenantName: string;
  aidLabel: string;
  period: string;
  amountCents: number;
  endToEndId: string;
}

export interface NoticeData {
  letterhead: Settings['letterhead'];
  payeeName: string;
  executionDate: string;
  msgId: string;
  accountMasked: string;
  lines: NoticeLine[];
  date: string;
}

const MARGIN = 48;
const formatEuros = pdfEuros;

/** The PDF sent to a payee when a batch is transmitted: every transfer it will receive, with its EndToEndId. */
export function buildPaymentNotice(d: NoticeData): Promise<Buffer> {
  const { doc, bytes: done } = a4Document(MARGIN, { Title: `Avis de mise en paiement ${d.msgId}`, Author: d.letterhead.name });
  const width = doc.page.width - 2 * MARGIN;
  letterheadBlock(doc, d.letterhead);
  doc.moveDown(1.5).fillColor('#000000').fontSize(12).font('Helvetica-Bold').text('Avis de mise en paiement', { width });
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`Bénéficiaire : ${d.payeeName}`, { width });
  doc.text(`Compte crédité : ${d.accountMasked}`, { width });
  doc.text(`Date d’exécution des virements : ${formatDate(d.executionDate)}`, { width });
  doc.text(`Référence du fichier de virements : ${d.msgId}`, { width });
  const total = d.lines.reduce((a, l) => a + l.amountCents, 0);
  doc.text(`${d.lines.length} virement${d.lines.length > 1 ? 's' : ''}, ${formatEuros(total)} au total.`, { width });
  doc.moveDown();
  const cols = [MARGIN, MARGIN + 70, MARGIN + 190, MARGIN + 300, MARGIN + 350, MARGIN + 420];
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(8);
    const y = doc.y;
    doc
      .text('Demande', cols[0], y)
      .text('Locataire', cols[1], y)
      .text('Aide', cols[2], y)
      .text('Période', cols[3], y)
      .text('Montant', cols[4], y, { width: 60, align: 'right' })
      .text('Référence de bout en bout', cols[5], y);
    doc
      .moveTo(MARGIN, doc.y + 2)
      .lineTo(MARGIN + width, doc.y + 2)
      .stroke('#999999');
    doc.font('Helvetica').moveDown(0.3);
  };
  header();
  for (const l of d.lines) {
    if (doc.y > doc.page.height - 80) {
      doc.addPage();
      header();
    }
    const y = doc.y + 2;
    doc
      .text(l.reference, cols[0], y, { width: 68 })
      .text(l.tenantName, cols[1], y, { width: 115 })
      .text(l.aidLabel, cols[2], y, { width: 105 })
      .text(l.period, cols[3], y, { width: 48 })
      .text(formatEuros(l.amountCents), cols[4], y, { width: 60, align: 'right' })
      .text(l.endToEndId, cols[5], y, { width: 110 });
    doc.y = Math.max(doc.y, y + 11);
  }
  doc.x = MARGIN;
  doc
    .moveDown()
    .fontSize(8)
    .fillColor('#555555')
    .text(`Avis établi le ${formatDate(d.date)}. Les références de bout en bout figurent sur vos relevés bancaires.`, MARGIN, doc.y, { width });
  doc.end();
  return done;
}
