import type { Settings } from '../../settings/schemas';
import { formatDate } from '../../shared/format';
import { a4Document, letterheadBlock, pdfEuros } from '../../shared/pdf';
import type { Instalment } from '../../payments/schedule';

/** What a decision letter says: who decided what for whom, with the schedule or the reason. */
export interface LetterData {
  letterhead: Settings['letterhead'];
  date: string;
  reference: string;
  landlord: { name: string; addressLines: string[] };
  household: { holderName: string; addressLines: string[]; tenancyReference: string };
  aidLabel: string;
  kind: 'grant' | 'refuse' | 'adjourn';
  requestedCents: number | null;
  grantedCents: number | null;
  schedule: Instalment[];
  payeeName: string | null;
  reasonLabel: string | null;
  comment: string | null;
  adjournedUntil: string | null;
}

const MARGIN = 56;

const formatEuros = pdfEuros;

/** The decision letter as a PDF (A4), built in memory: a few pages at most. */
export function buildDecisionLetter(d: LetterData): Promise<Buffer> {
  const { doc, bytes: done } = a4Document(MARGIN, { Title: `Décision ${d.reference}`, Author: d.letterhead.name, Subject: d.aidLabel });
  const width = doc.page.width - 2 * MARGIN;
  letterheadBlock(doc, d.letterhead);
  doc.moveDown(2);

  // addressee (the landlord, who informs the household)
  const top = doc.y;
  doc
    .fillColor('#000000')
    .fontSize(10)
    .font('Helvetica-Bold')
    .text(d.landlord.name, MARGIN + width / 2, top, { width: width / 2 });
  doc.font('Helvetica');
  for (const line of d.landlord.addressLines) doc.text(line, { width: width / 2 });
  doc.moveDown(2);
  doc.text(`${d.letterhead.city}, le ${formatDate(d.date)}`, { width: width / 2 });
  doc.moveDown(2);

  doc.x = MARGIN;
  doc.font('Helvetica-Bold').text(`Objet : ${d.aidLabel} — décision sur la demande ${d.reference}`, MARGIN, doc.y, { width });
  doc.font('Helvetica').moveDown(0.5);
  doc.text(`Ménage : ${d.household.holderName} — ${d.household.addressLines.join(', ')} (bail ${d.household.tenancyReference})`, { width });
  doc.moveDown();
  doc.text('Madame, Monsieur,', { width });
  doc.moveDown(0.5);

  if (d.kind === 'grant') {
    doc.text(
      `Nous avons le plaisir de vous informer que l’association accorde une ${d.aidLabel.toLowerCase()} de ${formatEuros(d.grantedCents)}` +
        (d.requestedCents !== null && d.requestedCents !== d.grantedCents ? ` (montant demandé : ${formatEuros(d.requestedCents)})` : '') +
        `, versée ${d.schedule.length > 1 ? `en ${d.schedule.length} échéances` : 'en une fois'} à ${d.payeeName ?? 'au bénéficiaire désigné'}, selon l’échéancier suivant :`,
      { width },
    );
    doc.moveDown(0.5);
    scheduleTable(doc, d.schedule, width);
  } else if (d.kind === 'refuse') {
    doc.text(
      `Après examen de la demande, l’association n’est pas en mesure d’accorder l’aide sollicitée${d.requestedCents !== null ? ` (${formatEuros(d.requestedCents)})` : ''}.`,
      { width },
    );
    doc.moveDown(0.5);
    doc.font('Helvetica-Bold').text(`Motif : ${d.reasonLabel ?? ''}`, { width });
    doc.font('Helvetica');
  } else {
    doc.text(
      `L’examen de la demande est ajourné jusqu’au ${formatDate(d.adjournedUntil)}. Il reprendra à cette date, ou dès réception des éléments attendus.`,
      { width },
    );
  }
  if (d.comment) {
    doc.moveDown(0.5);
    doc.text(d.comment, { width });
  }
  doc.moveDown();
  if (d.kind === 'refuse') {
    doc.text('Cette décision peut faire l’objet d’un recours gracieux auprès de l’association dans un délai de deux mois, en joignant tout élément nouveau.', {
      width,
    });
    doc.moveDown();
  }
  doc.text(
    'Nous vous remercions de bien vouloir en informer le ménage et vous prions d’agréer, Madame, Monsieur, l’expression de nos salutations distinguées.',
    { width },
  );
  doc.moveDown(2);
  doc.text(d.letterhead.signatoryName, MARGIN + width / 2, doc.y, { width: width / 2 });
  doc.text(d.letterhead.signatoryTitle, { width: width / 2 });
  doc.x = MARGIN;

  doc.fontSize(7).fillColor('#555555');
  doc.text(
    'Les données de ce dossier sont traitées par l’association pour instruire et verser les aides. Le ménage peut exercer ses droits d’accès, de rectification et d’opposition auprès de l’association.',
    MARGIN,
    doc.page.height - MARGIN - 24,
    { width, lineBreak: true },
  );
  doc.end();
  return done;
}

function scheduleTable(doc: PDFKit.PDFDocument, schedule: Instalment[], width: number): void {
  const cols = [MARGIN, MARGIN + 90, MARGIN + 250];
  doc.font('Helvetica-Bold').fontSize(9);
  const header = doc.y;
  doc.text('Échéance', cols[0], header).text('Date de versement', cols[1], header).text('Montant', cols[2], header, { width: 100, align: 'right' });
  doc
    .moveTo(MARGIN, doc.y + 2)
    .lineTo(MARGIN + Math.min(width, 360), doc.y + 2)
    .stroke('#999999');
  doc.font('Helvetica');
  for (const i of schedule) {
    if (doc.y > doc.page.height - 140) doc.addPage();
    const y = doc.y + 4;
    doc
      .text(`${i.instalment} / ${schedule.length}`, cols[0], y)
      .text(formatDate(i.dueDate), cols[1], y)
      .text(formatEuros(i.amountCents), cols[2], y, { width: 100, align: 'right' });
  }
  doc.fontSize(10).moveDown();
  doc.x = MARGIN;
}
