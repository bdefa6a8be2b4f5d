import QRCode from 'qrcode';
import type { Settings } from '../../settings/schemas';
import { a4Document, letterheadBlock } from '../../shared/pdf';

const MARGIN = 56;

/**
 * The association's poster: scan the QR code (or type the address) to book an appointment with
 * an adviser. The QR code is drawn as vector squares (sharp at any print size, no image library).
 */
export function buildBookingPoster(d: { letterhead: Settings['letterhead']; url: string; kinds: string[] }): Promise<Buffer> {
  const { doc, bytes } = a4Document(MARGIN, { Title: 'Prendre rendez-vous', Author: d.letterhead.name, Subject: 'Affiche avec QR code' });
  const width = doc.page.width - 2 * MARGIN;
  letterheadBlock(doc, d.letterhead);
  doc.moveDown(2).fillColor('#000000').font('Helvetica-Bold').fontSize(30).text('Prenez rendez-vous', { width, align: 'center' });
  doc.moveDown(0.3).font('Helvetica').fontSize(16).text('avec une conseillère ou un conseiller', { width, align: 'center' });
  doc.moveDown(1);
  const qr = QRCode.create(d.url, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const cells = qr.modules.size + 2 * quiet;
  const side = 260;
  const cell = side / cells;
  const x0 = (doc.page.width - side) / 2;
  const y0 = doc.y;
  doc.rect(x0, y0, side, side).fill('#ffffff');
  for (let r = 0; r < qr.modules.size; r++)
    for (let c = 0; c < qr.modules.size; c++) if (qr.modules.get(r, c)) doc.rect(x0 + (c + quiet) * cell, y0 + (r + quiet) * cell, cell + 0.01, cell + 0.01);
  doc.fill('#000000');
  doc.y = y0 + side + 16;
  doc.x = MARGIN;
  doc.font('Helvetica-Bold').fontSize(14).text('1. Scannez ce code avec votre téléphone', { width, align: 'center' });
  doc.text('2. Choisissez le motif, le jour et l’heure', { width, align: 'center' });
  doc.text('3. Vous recevez la confirmation par e-mail', { width, align: 'center' });
  doc.moveDown(1).font('Helvetica').fontSize(12).text('Sans téléphone ? Tapez cette adresse :', { width, align: 'center' });
  doc.font('Helvetica-Bold').fontSize(13).text(d.url, { width, align: 'center' });
  if (d.kinds.length) {
    doc
      .moveDown(1)
      .font('Helvetica')
      .fontSize(11)
      .text(`Motifs : ${d.kinds.join(' · ')}`, { width, align: 'center' });
  }
  doc
    .moveDown(0.5)
    .fontSize(10)
    .fillColor('#333333')
    .text('C’est gratuit. Vous pouvez déplacer ou annuler jusqu’à 24 heures avant.', { width, align: 'center' });
  doc.end();
  return bytes;
}
