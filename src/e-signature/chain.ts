import { createHash } from 'node:crypto';

/** The first event of a chain follows this hash (64 zeros). */
export const GENESIS_HASH = '0'.repeat(64);

export type SignatureEventKind =
  | 'requested'
  | 'viewed'
  | 'document_downloaded'
  | 'agreed'
  | 'code_sent'
  | 'code_failed'
  | 'code_expired'
  | 'code_blocked'
  | 'signed'
  | 'timestamped'
  | 'withdrawn'
  | 'cancelled';

/** What one event of the chain says (everything the hash covers). */
export interface ChainEventBody {
  signatureId: string;
  seq: number;
  kind: SignatureEventKind;
  occurredAt: string; // ISO 8601 UTC
  data: Record<string, unknown>;
}

export interface ChainEvent extends ChainEventBody {
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level and no spaces: the same event always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** hash = SHA-256(previous hash + canonical JSON of the event). */
export function chainHash(prevHash: string, body: ChainEventBody): string {
  const { signatureId, seq, kind, occurredAt, data } = body;
  return createHash('sha256')
    .update(prevHash + canonicalJson({ signatureId, seq, kind, occurredAt, data }))
    .digest('hex');
}

export type ChainVerdict = { valid: true; length: number } | { valid: false; brokenAt: number; reason: string };

/** Recomputes every link: a changed, removed, inserted or reordered event breaks the chain at that event. */
export function verifyChain(events: readonly ChainEvent[]): ChainVerdict {
  let prev = GENESIS_HASH;
  for (const [i, e] of events.entries()) {
    const body: ChainEventBody = { signatureId: e.signatureId, seq: e.seq, kind: e.kind, occurredAt: e.occurredAt, data: e.data };
    if (e.seq !== i + 1) return { valid: false, brokenAt: i + 1, reason: `événement n° ${e.seq} à la place n° ${i + 1}` };
    if (e.prevHash !== prev) return { valid: false, brokenAt: e.seq, reason: 'le lien vers l’événement précédent ne correspond pas' };
    if (chainHash(prev, body) !== e.hash) return { valid: false, brokenAt: e.seq, reason: 'le contenu de l’événement a changé' };
    prev = e.hash;
  }
  return { valid: true, length: events.length };
}
