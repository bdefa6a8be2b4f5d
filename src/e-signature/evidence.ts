import { type ChainEvent, verifyChain } from './chain';

/** The evidence of one signature (JSON file; the PDF prints the same). Dates in ISO 8601 UTC. */
export interface Evidence {
  format: 'entraide-preuve-consentement-v1';
  generatedAt: string;
  signatureId: string;
  status: string;
  textVersion: string;
  /** the consent text PDF the person read and signed */
  document: { sha256: string; size: number };
  /** the signed PDF (text + signature page, sealed) */
  signedDocument: { sha256: string; size: number } | null;
  signer: { name: string; personId: string; householdId: string; requestId: string; requestReference: string | null; landlord: string };
  code: { channel: string | null; sentTo: string | null; sentAt: string | null; checkedAt: string | null };
  client: { ip: string | null; userAgent: string | null };
  signedAt: string | null;
  withdrawnAt: string | null;
  certificate: { subject: string; fingerprintSha256: string };
  timestamp: { tsaUrl: string; genTime: string | null; tokenBase64: string } | null;
  events: ChainEvent[];
  chain: { valid: boolean; length: number; lastHash: string | null; reason?: string };
}

export type EvidenceInput = Omit<Evidence, 'format' | 'chain'>;

export function buildEvidence(input: EvidenceInput): Evidence {
  const verdict = verifyChain(input.events);
  return {
    format: 'entraide-preuve-consentement-v1',
    ...input,
    chain: verdict.valid
      ? { valid: true, length: verdict.length, lastHash: input.events.at(-1)?.hash ?? null }
      : { valid: false, length: input.events.length, lastHash: input.events.at(-1)?.hash ?? null, reason: verdict.reason },
  };
}
