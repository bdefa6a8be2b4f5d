import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import { type ChainEvent, type ChainEventBody, chainHash, GENESIS_HASH, type SignatureEventKind } from './chain';

export type SignatureStatus = 'pending' | 'signed' | 'withdrawn' | 'cancelled';

export interface ConsentSignature {
  id: string;
  requestId: string;
  organisationId: string;
  householdId: string;
  personId: string;
  status: SignatureStatus;
  textVersion: string;
  documentBlobId: string;
  documentSha256: string;
  requestedBy: string | null;
  createdAt: Date;
  codeHash: string | null;
  codeChannel: string | null;
  codeSentTo: string | null;
  codeSentAt: Date | null;
  codeExpiresAt: Date | null;
  codeAttempts: number;
  codeCheckedAt: Date | null;
  signedAt: Date | null;
  signedIp: string | null;
  signedUserAgent: string | null;
  signedBlobId: string | null;
  evidenceJsonBlobId: string | null;
  evidencePdfBlobId: string | null;
  timestampToken: Buffer | null;
  withdrawnAt: Date | null;
}

interface Row {
  id: string;
  request_id: string;
  organisation_id: string;
  household_id: string;
  person_id: string;
  status: SignatureStatus;
  text_version: string;
  document_blob_id: string;
  document_sha256: string;
  requested_by: string | null;
  created_at: Date;
  code_hash: string | null;
  code_channel: string | null;
  code_sent_to: string | null;
  code_sent_at: Date | null;
  code_expires_at: Date | null;
  code_attempts: number;
  code_checked_at: Date | null;
  signed_at: Date | null;
  signed_ip: string | null;
  signed_user_agent: string | null;
  signed_blob_id: string | null;
  evidence_json_blob_id: string | null;
  evidence_pdf_blob_id: string | null;
  timestamp_token: Buffer | Uint8Array | null;
  withdrawn_at: Date | null;
}

const toSignature = (r: Row): ConsentSignature => ({
  id: r.id,
  requestId: r.request_id,
  organisationId: r.organisation_id,
  householdId: r.household_id,
  personId: r.person_id,
  status: r.status,
  textVersion: r.text_version,
  documentBlobId: r.document_blob_id,
  documentSha256: r.document_sha256,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  codeHash: r.code_hash,
  codeChannel: r.code_channel,
  codeSentTo: r.code_sent_to,
  codeSentAt: r.code_sent_at,
  codeExpiresAt: r.code_expires_at,
  codeAttempts: r.code_attempts,
  codeCheckedAt: r.code_checked_at,
  signedAt: r.signed_at,
  signedIp: r.signed_ip,
  signedUserAgent: r.signed_user_agent,
  signedBlobId: r.signed_blob_id,
  evidenceJsonBlobId: r.evidence_json_blob_id,
  evidencePdfBlobId: r.evidence_pdf_blob_id,
  timestampToken: r.timestamp_token ? Buffer.from(r.timestamp_token) : null,
  withdrawnAt: r.withdrawn_at,
});

/** What the consent text and the evidence name for a request (read without an extranet actor). */
export interface RequestFacts {
  id: string;
  reference: string | null;
  status: string;
  organisationId: string;
  landlordName: string;
  householdId: string;
  aidLabel: string;
  funderAsd: boolean;
  assignedTo: string | null;
}

export interface Signer {
  personId: string;
  name: string;
  email: string | null;
}

export type SignatureChange = Partial<{
  status: SignatureStatus;
  code_hash: string | null;
  code_channel: string;
  code_sent_to: string;
  code_sent_at: Date;
  code_expires_at: Date | null;
  code_attempts: number;
  code_checked_at: Date;
  signed_at: Date;
  signed_ip: string | null;
  signed_user_agent: string | null;
  signed_blob_id: string;
  evidence_json_blob_id: string;
  evidence_pdf_blob_id: string;
  timestamp_token: Buffer | null;
  withdrawn_at: Date;
}>;

/** The consent signatures, their event chains and the demonstration signing key. */
export class SignatureRepository {
  async insert(
    db: Db,
    s: Pick<
      ConsentSignature,
      'requestId' | 'organisationId' | 'householdId' | 'personId' | 'textVersion' | 'documentBlobId' | 'documentSha256' | 'requestedBy' | 'createdAt'
    >,
  ): Promise<string> {
    const [row] = await db('consent_signatures')
      .insert({
        request_id: s.requestId,
        organisation_id: s.organisationId,
        household_id: s.householdId,
        person_id: s.personId,
        status: 'pending',
        text_version: s.textVersion,
        document_blob_id: s.documentBlobId,
        document_sha256: s.documentSha256,
        requested_by: s.requestedBy,
        created_at: s.createdAt,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async find(db: Db, id: string, opts: { lock?: boolean } = {}): Promise<ConsentSignature | null> {
    if (!isUuid(id)) return null;
    const q = db<Row>('consent_signatures').where({ id }).first();
    const row = await (opts.lock ? q.forUpdate() : q);
    return row ? toSignature(row) : null;
  }

  /** The request's signatures, newest first. */
  async forRequest(db: Db, requestId: string): Promise<ConsentSignature[]> {
    if (!isUuid(requestId)) return [];
    const rows = await db<Row>('consent_signatures').where({ request_id: requestId }).orderBy('created_at', 'desc').orderBy('id');
    return rows.map(toSignature);
  }

  /** The request's consent waiting or signed (at most one, by a unique index), locked when asked. */
  async open(db: Db, requestId: string, opts: { lock?: boolean } = {}): Promise<ConsentSignature | null> {
    const q = db<Row>('consent_signatures').where({ request_id: requestId }).whereIn('status', ['pending', 'signed']).first();
    const row = await (opts.lock ? q.forUpdate() : q);
    return row ? toSignature(row) : null;
  }

  async pendingForPerson(db: Db, personId: string, householdId: string): Promise<Array<{ requestId: string; aidLabel: string; reference: string | null }>> {
    const rows = await db('consent_signatures as s')
      .join('aid_requests as r', 'r.id', 's.request_id')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where({ 's.person_id': personId, 's.household_id': householdId, 's.status': 'pending' })
      .orderBy('s.created_at')
      .select<Array<{ request_id: string; label: string; reference: string | null }>>('s.request_id', 't.label', 'r.reference');
    return rows.map((r) => ({ requestId: r.request_id, aidLabel: r.label, reference: r.reference }));
  }

  async update(db: Db, id: string, change: SignatureChange): Promise<void> {
    await db('consent_signatures').where({ id }).update(change);
  }

  async requestFacts(db: Db, requestId: string): Promise<RequestFacts | null> {
    if (!isUuid(requestId)) return null;
    const r = await db('aid_requests as r')
      .join('organisations as o', 'o.id', 'r.organisation_id')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.id', requestId)
      .first<{
        id: string;
        reference: string | null;
        status: string;
        organisation_id: string;
        landlord_name: string;
        household_id: string;
        aid_label: string;
        orientation_asd: string | null;
        assigned_to: string | null;
      }>(
        'r.id',
        'r.reference',
        'r.status',
        'r.organisation_id',
        'o.name as landlord_name',
        'r.household_id',
        't.label as aid_label',
        'r.orientation_asd',
        'r.assigned_to',
      );
    if (!r) return null;
    return {
      id: r.id,
      reference: r.reference,
      status: r.status,
      organisationId: r.organisation_id,
      landlordName: r.landlord_name,
      householdId: r.household_id,
      aidLabel: r.aid_label,
      funderAsd: r.orientation_asd !== null,
      assignedTo: r.assigned_to,
    };
  }

  /** The current members of a household (the persons who may be asked to sign), holder first. */
  async members(db: Db, householdId: string): Promise<Signer[]> {
    const rows = await db('household_members as m')
      .join('persons as p', 'p.id', 'm.person_id')
      .where('m.household_id', householdId)
      .whereNull('m.to_date')
      .orderByRaw("(m.relationship = 'holder') desc, p.last_name, p.first_names")
      .select<Array<{ id: string; first_names: string; last_name: string; email: string | null }>>('p.id', 'p.first_names', 'p.last_name', 'p.email');
    return rows.map((r) => ({ personId: r.id, name: `${r.first_names} ${r.last_name}`, email: r.email }));
  }

  async person(db: Db, personId: string): Promise<Signer | null> {
    if (!isUuid(personId)) return null;
    const r = await db('persons')
      .where({ id: personId })
      .first<{ id: string; first_names: string; last_name: string; email: string | null } | undefined>('id', 'first_names', 'last_name', 'email');
    return r ? { personId: r.id, name: `${r.first_names} ${r.last_name}`, email: r.email } : null;
  }

  /** The request's consent as the filing step reads it (or none, after a withdrawal of a draft's). */
  async setRequestConsent(db: Db, requestId: string, consent: Record<string, unknown> | null, now: Date): Promise<void> {
    await db('aid_requests')
      .where({ id: requestId })
      .update({ consent: consent ? JSON.stringify(consent) : null, updated_at: now, version: db.raw('version + 1') });
  }

  /** The request's timeline: the consent signed or withdrawn, seen by the landlord and the association. */
  async addTimelineEvent(db: Db, requestId: string, actorLabel: string, message: string, now: Date): Promise<void> {
    await db('request_events').insert({
      request_id: requestId,
      occurred_at: now,
      actor_user_id: null,
      actor_label: actorLabel,
      kind: 'consent',
      visibility: 'shared',
      message,
    });
  }

  async userEmail(db: Db, userId: string): Promise<string | null> {
    const r = await db('users').where({ id: userId }).first<{ email: string } | undefined>('email');
    return r?.email ?? null;
  }

  // — the chain of events —

  async events(db: Db, signatureId: string): Promise<ChainEvent[]> {
    const rows = await db('consent_signature_events').where({ signature_id: signatureId }).orderBy('seq').select<
      Array<{
        signature_id: string;
        seq: number;
        kind: SignatureEventKind;
        occurred_at: Date;
        data: Record<string, unknown>;
        prev_hash: string;
        hash: string;
      }>
    >('signature_id', 'seq', 'kind', 'occurred_at', 'data', 'prev_hash', 'hash');
    return rows.map((r) => ({
      signatureId: r.signature_id,
      seq: r.seq,
      kind: r.kind,
      occurredAt: new Date(r.occurred_at).toISOString(),
      data: r.data,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Appends an event after the last one (the caller holds the signature's row lock, so two appends never race). */
  async append(db: Db, signatureId: string, kind: SignatureEventKind, at: Date, data: Record<string, unknown>): Promise<ChainEvent> {
    const last = await db('consent_signature_events')
      .where({ signature_id: signatureId })
      .orderBy('seq', 'desc')
      .first<{ seq: number; hash: string } | undefined>('seq', 'hash');
    const body: ChainEventBody = { signatureId, seq: (last?.seq ?? 0) + 1, kind, occurredAt: at.toISOString(), data };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = chainHash(prevHash, body);
    await db('consent_signature_events').insert({
      signature_id: signatureId,
      seq: body.seq,
      kind,
      occurred_at: at,
      data: JSON.stringify(data),
      prev_hash: prevHash,
      hash,
    });
    return { ...body, prevHash, hash };
  }

  // — the demonstration signing key —

  async signingKey(db: Db, name: string): Promise<{ blobId: string; subject: string; fingerprint: string } | null> {
    const r = await db('signing_keys').where({ name }).first<{ p12_blob_id: string; subject: string; fingerprint_sha256: string } | undefined>();
    return r ? { blobId: r.p12_blob_id, subject: r.subject, fingerprint: r.fingerprint_sha256 } : null;
  }

  /** Keeps the first key stored under this name (two first uses at once: the second one's is dropped). */
  async saveSigningKey(db: Db, name: string, k: { blobId: string; subject: string; fingerprint: string }, now: Date): Promise<void> {
    await db('signing_keys')
      .insert({ name, p12_blob_id: k.blobId, subject: k.subject, fingerprint_sha256: k.fingerprint, created_at: now })
      .onConflict('name')
      .ignore();
  }
}
