import type { Settings } from '../settings/schemas';
import { formatDate, formatMinutes } from '../shared/format';
import { a4Document, letterheadBlock } from '../shared/pdf';
import { MISSION_STATUS_LABELS, OBJECTIVE_CATEGORIES, OBJECTIVE_RESULTS, type MissionStatus } from './state-machine';

/** What the closing report says: never a session's summary nor the adviser's private notes. */
export interface ReportData {
  letterhead: Settings['letterhead'];
  reference: string;
  typeLabel: string;
  status: MissionStatus;
  landlordName: string;
  householdAddress: string;
  holderName: string | null;
  adviserName: string | null;
  acceptedAt: Date | null;
  endedAt: Date | null;
  objectives: Array<{ category: string; text: string; result: string | null }>;
  sessions: number;
  minutes: number;
  outcome: string | null;
  interruptionReason: string | null;
  recommendations: string | null;
  date: string;
}

const MARGIN = 56;

export function buildMissionReport(d: ReportData): Promise<Buffer> {
  const { doc, bytes } = a4Document(MARGIN, { Title: `Bilan ${d.reference}`, Author: d.letterhead.name, Subject: d.typeLabel });
  const width = doc.page.width - 2 * MARGIN;
  letterheadBlock(doc, d.letterhead);
  doc.moveDown(1.5).fillColor('#000000').font('Helvetica-Bold').fontSize(13).text(`Bilan d’accompagnement — ${d.typeLabel}`, { width });
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`Mission ${d.reference} — ${MISSION_STATUS_LABELS[d.status]}`, { width });
  doc.text(`Ménage : ${d.holderName ?? ''} — ${d.householdAddress} (${d.landlordName})`, { width });
  if (d.adviserName) doc.text(`Conseiller·ère : ${d.adviserName}`, { width });
  doc.text(`Période : ${formatDate(d.acceptedAt)} – ${formatDate(d.endedAt)}`, { width });
  doc.text(`${d.sessions} entretien${d.sessions > 1 ? 's' : ''}, ${formatMinutes(d.minutes)} d’accompagnement.`, { width });
  doc.moveDown().font('Helvetica-Bold').text('Objectifs', { width }).font('Helvetica');
  for (const o of d.objectives) {
    const category = OBJECTIVE_CATEGORIES[o.category as keyof typeof OBJECTIVE_CATEGORIES] ?? o.category;
    const result = o.result ? OBJECTIVE_RESULTS[o.result as keyof typeof OBJECTIVE_RESULTS] : 'non évalué';
    doc.text(`• ${category} — ${o.text} : ${result}`, { width });
  }
  if (d.interruptionReason) doc.moveDown().font('Helvetica-Bold').text('Interruption', { width }).font('Helvetica').text(d.interruptionReason, { width });
  if (d.outcome) doc.moveDown().font('Helvetica-Bold').text('Bilan', { width }).font('Helvetica').text(d.outcome, { width });
  if (d.recommendations) doc.moveDown().font('Helvetica-Bold').text('Préconisations', { width }).font('Helvetica').text(d.recommendations, { width });
  doc
    .moveDown(2)
    .fontSize(8)
    .fillColor('#555555')
    .text(`Bilan établi le ${formatDate(d.date)}. Les notes d’entretien restent à l’association.`, { width });
  doc.end();
  return bytes;
}
