import { XMLParser } from 'fast-xml-parser';

/** A transfer the bank reports on (pain.002 customer payment status report). */
export interface TransferStatus {
  endToEndId: string;
  status: string;
  reasonCode: string | null;
}

export interface StatusReport {
  originalMsgId: string;
  /** the group's status when the bank rejects the whole file (RJCT) */
  groupStatus: string | null;
  groupReasonCode: string | null;
  transfers: TransferStatus[];
}

export class StatusReportError extends Error {}

const PARSER = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf'].includes(name),
});

/**
 * A pain.002 never has a DTD (ISO 20022 messages are defined by their XSD). Any DOCTYPE or entity
 * declaration is refused before parsing (ASVS 5.5.2): no external entity (XXE: reading a server
 * file, reaching a URL), no entity expansion (billion laughs), no internal entity smuggling a
 * value past what the operator sees in the file. The five predefined entities (&amp; …) still work.
 */
const DTD = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const reason = (node: Record<string, unknown> | undefined): string | null => {
  const first = (node?.StsRsnInf as Array<Record<string, { Cd?: unknown; Prtry?: unknown }>> | undefined)?.[0];
  return text(first?.Rsn?.Cd) ?? text(first?.Rsn?.Prtry);
};

/** Reads a pain.002.001.03 (or later) status report: the file it answers and each transfer's status and reason. */
export function parsePain002(xml: string): StatusReport {
  if (DTD.test(xml)) {
    throw new StatusReportError(
      'Ce fichier contient une déclaration DOCTYPE ou des entités XML, qu’un rapport de la banque ne contient jamais : il est refusé et rien n’a été appliqué. Demandez à la banque le rapport d’origine.',
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = PARSER.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new StatusReportError(`Le fichier n’est pas un XML lisible : ${(err as Error).message}`);
  }
  const report = (doc.Document as Record<string, unknown> | undefined)?.CstmrPmtStsRpt as Record<string, unknown> | undefined;
  if (!report) throw new StatusReportError('Ce fichier n’est pas un rapport de statut de virements (pain.002) : l’élément CstmrPmtStsRpt manque.');
  const group = report.OrgnlGrpInfAndSts as Record<string, unknown> | undefined;
  const originalMsgId = text(group?.OrgnlMsgId);
  if (!originalMsgId) throw new StatusReportError('Le rapport ne dit pas à quel fichier il répond (OrgnlMsgId manquant).');
  const transfers: TransferStatus[] = [];
  for (const info of (report.OrgnlPmtInfAndSts as Array<Record<string, unknown>> | undefined) ?? []) {
    for (const tx of (info.TxInfAndSts as Array<Record<string, unknown>> | undefined) ?? []) {
      const endToEndId = text(tx.OrgnlEndToEndId);
      const status = text(tx.TxSts);
      if (endToEndId && status) transfers.push({ endToEndId, status, reasonCode: reason(tx) ?? reason(info) });
    }
  }
  return { originalMsgId, groupStatus: text(group?.GrpSts), groupReasonCode: reason(group), transfers };
}
