import { a4Document } from '../shared/pdf';
import { formatDateTime } from '../shared/format';
import { CONSENT_TEXT_VERSION, type ConsentContext, consentText } from './consent-text';
import type { Evidence } from './evidence';

const BLUE = '#0d47a1';
const GREY = '#333333';

function header(doc: PDFKit.PDFDocument, c: ConsentContext): void {
  doc.font('Helvetica-Bold').fontSize(14).fillColor(BLUE).text(c.associationName);
  doc.font('Helvetica').fontSize(9).fillColor(GREY).text(`Texte ${CONSENT_TEXT_VERSION}`);
  doc.moveDown();
}

function textPages(doc: PDFKit.PDFDocument, c: ConsentContext): void {
  const t = consentText(c);
  header(doc, c);
  doc.font('Helvetica-Bold').fontSize(16).fillColor('black').text(t.title);
  doc.moveDown(0.5).font('Helvetica').fontSize(11).text(t.intro);
  for (const s of t.sections) {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text(s.title);
    doc.font('Helvetica').fontSize(11);
    for (const p of s.paragraphs) doc.moveDown(0.3).text(p);
  }
  doc.moveDown().font('Helvetica-Bold').fontSize(11).text(t.agreement);
}

/** The consent text as the household reads and downloads it: its SHA-256 is what the signature covers. */
export async function consentPdf(c: ConsentContext, createdAt: Date): Promise<Buffer> {
  const { doc, bytes } = a4Document(56, {
    Title: 'Consentement — utilisation des données',
    Author: c.associationName,
    CreationDate: createdAt,
    ModDate: createdAt,
  });
  textPages(doc, c);
  doc.end();
  return bytes;
}

/** What the signature page states. */
export interface SignaturePage {
  signatureId: string;
  documentSha256: string;
  signerName: string;
  sentTo: string;
  codeSentAt: Date;
  signedAt: Date;
  ip: string;
  certificateSubject: string;
}

/** The signed document: the consent text, then a page saying who signed, when and how; the whole file is then signed (PAdES). */
export async function signedDocumentPdf(c: ConsentContext, page: SignaturePage): Promise<Buffer> {
  const { doc, bytes } = a4Document(56, {
    Title: 'Consentement signé électroniquement',
    Author: c.associationName,
    CreationDate: page.signedAt,
    ModDate: page.signedAt,
  });
  textPages(doc, c);
  doc.addPage();
  header(doc, c);
  doc.font('Helvetica-Bold').fontSize(16).fillColor('black').text('Signature électronique');
  doc.moveDown(0.5).font('Helvetica').fontSize(11);
  const lines: Array<[string, string]> = [
    ['Signé par', page.signerName],
    ['Demande', `${c.aidLabel} — ${c.requestLabel}`],
    ['Signé le', `${formatDateTime(page.signedAt)} (heure de Paris)`],
    ['Code envoyé à', `${page.sentTo}, le ${formatDateTime(page.codeSentAt)}`],
    ['Adresse de connexion', page.ip],
    ['Texte signé', `${CONSENT_TEXT_VERSION}, empreinte SHA-256 du document :`],
  ];
  for (const [k, v] of lines) doc.font('Helvetica-Bold').text(`${k} : `, { continued: true }).font('Helvetica').text(v);
  doc.font('Courier').fontSize(9).text(page.documentSha256);
  doc.moveDown().font('Helvetica').fontSize(10).fillColor(GREY);
  doc.text(
    'Signature électronique simple (règlement (UE) n° 910/2014 « eIDAS », article 25) : la personne a lu le texte, coché « J’ai lu et je suis d’accord » ' +
      'et tapé le code à usage unique envoyé à son adresse électronique. Ce fichier est scellé par le certificat de ' +
      `« ${page.certificateSubject} » : toute modification le rend invalide. Le fichier de preuve (${page.signatureId}) retrace chaque étape.`,
  );
  doc.end();
  return bytes;
}

/** The evidence file, readable by a person: the same facts as the JSON file. */
export async function evidencePdf(e: Evidence, associationName: string): Promise<Buffer> {
  const at = new Date(e.generatedAt);
  const { doc, bytes } = a4Document(48, { Title: 'Preuve de signature électronique', Author: associationName, CreationDate: at, ModDate: at });
  doc.font('Helvetica-Bold').fontSize(14).fillColor(BLUE).text(associationName);
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(16).fillColor('black').text('Fichier de preuve — consentement signé électroniquement');
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(GREY)
    .text(`Établi le ${formatDateTime(at)} — signature ${e.signatureId}`);
  const row = (k: string, v: string) =>
    doc.font('Helvetica-Bold').fontSize(10).fillColor('black').text(`${k} : `, { continued: true }).font('Helvetica').text(v);
  const title = (t: string) => doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor(BLUE).text(t).fillColor('black');
  title('Document');
  row('Texte', e.textVersion);
  row('État', e.status === 'withdrawn' ? 'accord retiré' : e.status === 'signed' ? 'signé' : e.status);
  doc.font('Helvetica-Bold').fontSize(10).text('Empreinte SHA-256 du texte signé :');
  doc.font('Courier').fontSize(8).text(e.document.sha256);
  if (e.signedDocument) {
    doc.font('Helvetica-Bold').fontSize(10).text('Empreinte SHA-256 du PDF signé :');
    doc.font('Courier').fontSize(8).text(e.signedDocument.sha256);
  }
  title('Signataire');
  row('Nom', e.signer.name);
  row('Ménage', e.signer.householdId);
  row('Demande', `${e.signer.requestReference ?? 'brouillon'} (${e.signer.requestId})`);
  row('Bailleur', e.signer.landlord);
  title('Code à usage unique');
  row('Canal', e.code.channel === 'email' ? 'courriel' : (e.code.channel ?? '—'));
  row('Adresse', e.code.sentTo ?? '—');
  row('Envoyé le', e.code.sentAt ? formatDateTime(e.code.sentAt) : '—');
  row('Vérifié le', e.code.checkedAt ? formatDateTime(e.code.checkedAt) : '—');
  title('Connexion au moment de la signature');
  row('Adresse IP', e.client.ip ?? '—');
  row('Navigateur', e.client.userAgent ?? '—');
  title('Scellement');
  row('Certificat', e.certificate.subject);
  row('Empreinte du certificat (SHA-256)', e.certificate.fingerprintSha256);
  row('Horodatage RFC 3161', e.timestamp ? `${e.timestamp.tsaUrl}, ${e.timestamp.genTime ?? ''}` : 'aucun');
  title('Chaîne des événements');
  doc
    .font('Helvetica')
    .fontSize(9)
    .text(e.chain.valid ? `Chaîne intègre : ${e.events.length} événements.` : `Chaîne rompue : ${e.chain.reason ?? ''}`);
  for (const ev of e.events) {
    doc
      .moveDown(0.3)
      .font('Helvetica-Bold')
      .fontSize(9)
      .text(`${ev.seq}. ${EVENT_LABELS[ev.kind] ?? ev.kind} — ${formatDateTime(ev.occurredAt)}`);
    const details = Object.entries(ev.data)
      .map(([k, v]) => `${k} : ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' · ');
    if (details) doc.font('Helvetica').fontSize(8).text(details);
    doc.font('Courier').fontSize(7).fillColor(GREY).text(`empreinte ${ev.hash}`).fillColor('black');
  }
  doc.end();
  return bytes;
}

export const EVENT_LABELS: Record<string, string> = {
  requested: 'Signature demandée',
  viewed: 'Texte affiché',
  document_downloaded: 'Texte téléchargé',
  agreed: 'Case « J’ai lu et je suis d’accord » cochée',
  code_sent: 'Code envoyé',
  code_failed: 'Code erroné',
  code_expired: 'Code expiré',
  code_blocked: 'Code bloqué (trop d’essais)',
  signed: 'Signé',
  timestamped: 'Horodaté',
  withdrawn: 'Accord retiré',
  cancelled: 'Demande de signature annulée',
};
