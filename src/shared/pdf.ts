import PDFDocument from 'pdfkit';
import { formatEuros } from './format';

/** An A4 document built in memory, and the promise of its bytes once `doc.end()` is called. */
export function a4Document(margin: number, info: PDFKit.DocumentInfo): { doc: PDFKit.PDFDocument; bytes: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', margin, info });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, bytes };
}

/** What a letterhead prints (the association's settings hold one). */
export interface Letterhead {
  name: string;
  addressLines: string[];
  phone: string | null;
  email: string | null;
}

/** The association's letterhead at the top of a page: name, address lines, contact. */
export function letterheadBlock(doc: PDFKit.PDFDocument, letterhead: Letterhead): void {
  doc.font('Helvetica-Bold').fontSize(14).fillColor('#0d47a1').text(letterhead.name);
  doc.font('Helvetica').fontSize(9).fillColor('#333333');
  for (const line of letterhead.addressLines) doc.text(line);
  const contact = [letterhead.phone ? `Tél. ${letterhead.phone}` : null, letterhead.email].filter(Boolean).join(' · ');
  if (contact) doc.text(contact);
}

/** Amounts in a PDF: the narrow no-break space of French formatting is not in the standard fonts' set. */
export const pdfEuros = (cents: number | null) => formatEuros(cents).replace(/\u202f/g, '\u00a0');
