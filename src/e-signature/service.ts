import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { AidRequestService } from '../aid-requests/service';
import type { Config } from '../config';
import type { Db } from '../db/types';
import type { BlobStore } from '../files/storage';
import type { HouseholdActor } from '../household-space/actor';
import { householdAuditActor } from '../household-space/actor';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { Actor } from '../permissions';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { NotFoundError, ValidationError } from '../shared/errors';
import { urls } from '../urls';
import { verifyChain, type ChainVerdict } from './chain';
import { checkCode, CODE_MAX_ATTEMPTS, CODE_MINUTES, hashCode, maskEmail, newCode } from './code';
import { CONSENT_TEXT_VERSION, type ConsentContext, consentText } from './consent-text';
import { buildEvidence, type Evidence } from './evidence';
import { consentWithdrawnMail, signatureAskedMail, signatureCodeMail } from './mails';
import { consentPdf, evidencePdf, signedDocumentPdf } from './pdf';
import type { ConsentSignature, RequestFacts, SignatureRepository, Signer } from './repository';
import { describeIdentity, selfSignedIdentity, signPdf, type SigningIdentity } from './signer';
import { requestTimestamp } from './tsa';

/** The method the request's consent reads once signed online. */
export const E_SIGNATURE_METHOD = 'e_signature';
/** The files of a signature: the signed PDF, the evidence (JSON, PDF). */
export const SIGNATURE_FILES = ['document.pdf', 'preuve.json', 'preuve.pdf'] as const;
export type SignatureFile = (typeof SIGNATURE_FILES)[number];
/** A new code is refused this soon after the previous one (no mail flood). */
const RESEND_SECONDS = 60;
const DEMO_KEY_NAME = 'demo';
const DEMO_PASSPHRASE = 'entraide-demonstration';

/** What the household space provides (the lead's services.householdSpace), looked up when used. */
export interface HouseholdPorts {
  /** mails the person their personal link (in the caller's transaction); the mail's id, or null when they cannot receive one */
  issueLink?: (personId: string, reason: 'consent', db: Db) => Promise<string | null>;
  trace?: (actor: HouseholdActor, t: { action: string; entityType: string; entityId: string }, db?: Db) => Promise<void>;
}

/** Where the person signed from (kept in the evidence). */
export interface Client {
  ip: string | null;
  userAgent: string | null;
}

export interface SignatureSummary {
  id: string;
  status: ConsentSignature['status'];
  signerName: string;
  createdAt: Date;
  codeSentTo: string | null;
  signedAt: Date | null;
  withdrawnAt: Date | null;
  timestamped: boolean;
}

export type CodeOutcome = 'signed' | 'wrong' | 'blocked' | 'expired' | 'none';

const CODE_MESSAGES: Record<Exclude<CodeOutcome, 'signed'>, string> = {
  wrong: 'Ce code n’est pas le bon. Vérifiez le dernier courriel reçu et tapez les 6 chiffres.',
  blocked: `Le code a été tapé ${CODE_MAX_ATTEMPTS} fois sans succès : il ne marche plus. Demandez un nouveau code.`,
  expired: `Ce code a expiré (il est valable ${CODE_MINUTES} minutes). Demandez un nouveau code.`,
  none: 'Demandez d’abord un code : il vous sera envoyé par courriel.',
};

interface Deps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  repository: SignatureRepository;
  blobs: BlobStore;
  mailer: Mailer;
  audit: AuditService;
  accessLog: AccessLogService;
  settings: SettingsService;
  aidRequests: AidRequestService;
  config: Pick<Config, 'baseUrl' | 'linkSigningSecret' | 'eSignature'>;
  ports: () => HouseholdPorts;
}

/**
 * The household's consent signed online (simple electronic signature, eIDAS art. 25): the landlord
 * asks for it on a draft, the person reads the text in their space, ticks their agreement, types the
 * code mailed to them; the text and a signature page are then sealed with the association's
 * certificate (PDF signature), and an evidence file tells each step. Every step is an event of a
 * hash chain; the request's consent reads « signé électroniquement » until a withdrawal.
 */
export class ConsentSignatureService {
  private identityPromise: Promise<SigningIdentity> | null = null;

  constructor(private readonly d: Deps) {}

  // — the association's signing identity —

  /** The configured PKCS#12, or the demonstration certificate (made once, kept as a stored file). Never called inside a transaction. */
  identity(): Promise<SigningIdentity> {
    this.identityPromise ??= this.loadIdentity().catch((e: unknown) => {
      this.identityPromise = null;
      throw e;
    });
    return this.identityPromise;
  }

  private async loadIdentity(): Promise<SigningIdentity> {
    const { p12, passphrase } = this.d.config.eSignature;
    if (p12) return { p12: 'path' in p12 ? readFileSync(p12.path) : Buffer.from(p12.base64, 'base64'), passphrase };
    const { db, repository, blobs, clock } = this.d;
    let stored = await repository.signingKey(db, DEMO_KEY_NAME);
    if (!stored) {
      const made = selfSignedIdentity(clock.now(), DEMO_PASSPHRASE);
      const described = describeIdentity(made);
      await db.transaction(async (trx) => {
        const blob = await blobs.put(trx, made.p12, 'application/x-pkcs12');
        await repository.saveSigningKey(
          trx,
          DEMO_KEY_NAME,
          { blobId: blob.id, subject: described.subject, fingerprint: described.fingerprintSha256 },
          clock.now(),
        );
      });
      stored = await repository.signingKey(db, DEMO_KEY_NAME);
      this.d.logger.info('e-signature: demonstration signing certificate created', { fingerprint: stored?.fingerprint });
    }
    const blob = stored ? await blobs.get(db, stored.blobId) : null;
    if (!blob) throw new Error('e-signature: the demonstration signing certificate is missing');
    return { p12: blob.data, passphrase: DEMO_PASSPHRASE };
  }

  // — the landlord's side —

  /** What the consent step shows: the last online signature asked (if any) and who may be asked. */
  async stepState(actor: Actor, requestId: string): Promise<{ signature: SignatureSummary | null; signerOptions: Array<{ value: string; text: string }> }> {
    const request = await this.d.aidRequests.get(actor, requestId, this.d.db, 'requests:file');
    const [latest] = (await this.d.repository.forRequest(this.d.db, request.id)).filter((s) => s.status !== 'cancelled');
    const signers = await this.d.repository.members(this.d.db, request.householdId);
    return {
      signature: latest ? await this.summary(this.d.db, latest) : null,
      signerOptions: signers.map((m) => ({
        value: m.personId,
        text: m.email ? `${m.name} — ${maskEmail(m.email)}` : `${m.name} (pas d’adresse électronique)`,
      })),
    };
  }

  /** "Le ménage signe en ligne": the consent text is fixed, a signature waits for the person, their personal link is sent. */
  async requestOnline(actor: Actor, requestId: string, personId: string): Promise<string> {
    const { db, repository, clock } = this.d;
    const request = await this.d.aidRequests.get(actor, requestId, db, 'requests:file');
    if (request.status !== 'draft')
      throw new ValidationError({ signataire: 'La demande est déjà déposée : la signature en ligne se demande sur un brouillon.' });
    const signer = (await repository.members(db, request.householdId)).find((m) => m.personId === personId);
    if (!signer) throw new ValidationError({ signataire: 'Choisissez la personne du ménage qui signe' });
    if (!signer.email)
      throw new ValidationError({
        signataire: `${signer.name} n’a pas d’adresse électronique : ajoutez-la sur la fiche du ménage, ou recueillez le consentement sur papier.`,
      });
    const facts = (await repository.requestFacts(db, request.id))!;
    const context = await this.context(facts, signer.name);
    const now = clock.now();
    const pdf = await consentPdf(context, now);
    const mails: string[] = [];
    const id = await db.transaction(async (trx) => {
      const open = await repository.open(trx, request.id, { lock: true });
      if (open?.status === 'signed') throw new ValidationError({ signataire: 'Le consentement est déjà signé en ligne pour cette demande.' });
      if (open) {
        await repository.update(trx, open.id, { status: 'cancelled', code_hash: null });
        await repository.append(trx, open.id, 'cancelled', now, { by: actor.name, reason: 'nouvelle demande de signature' });
      }
      const blob = await this.d.blobs.put(trx, pdf, 'application/pdf');
      const created = await repository.insert(trx, {
        requestId: request.id,
        organisationId: request.organisationId,
        householdId: request.householdId,
        personId: signer.personId,
        textVersion: CONSENT_TEXT_VERSION,
        documentBlobId: blob.id,
        documentSha256: blob.sha256,
        requestedBy: actor.userId,
        createdAt: now,
      });
      await repository.append(trx, created, 'requested', now, {
        by: actor.name,
        signer: signer.name,
        textVersion: CONSENT_TEXT_VERSION,
        documentSha256: blob.sha256,
      });
      await this.d.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: request.id,
        organisationId: request.organisationId,
        action: 'request.consent_signature_requested',
        after: { signatureId: created, signer: signer.name, textVersion: CONSENT_TEXT_VERSION },
      });
      const issue = this.d.ports().issueLink;
      const linkMail = issue ? await issue(signer.personId, 'consent', trx) : null;
      if (linkMail) mails.push(linkMail);
      else
        mails.push(
          await this.d.mailer.queue(
            trx,
            signatureAskedMail(
              signer.email!,
              signer.name,
              facts.landlordName,
              this.d.config.baseUrl + urls.householdConsent(request.id),
              context.associationName,
            ),
          ),
        );
      return created;
    });
    await this.d.mailer.deliver(mails);
    return id;
  }

  /**
   * The signatures shown on the request page (cancelled ones left out), newest first, of a request
   * the actor has just read (`request` as the scoped read returned it: not read again).
   */
  async forRequestPage(request: Awaited<ReturnType<AidRequestService['get']>>): Promise<SignatureSummary[]> {
    const list = (await this.d.repository.forRequest(this.d.db, request.id)).filter((s) => s.status !== 'cancelled');
    return Promise.all(list.map((s) => this.summary(this.d.db, s)));
  }

  /** A file of a signature, for the landlord of the request and the association (whoever reads the request). */
  async download(actor: Actor, requestId: string, signatureId: string, file: string): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const request = await this.d.aidRequests.get(actor, requestId);
    const signature = await this.d.repository.find(this.d.db, signatureId);
    if (!signature || signature.requestId !== request.id) throw new NotFoundError();
    const out = await this.fileOf(signature, file);
    await this.d.accessLog.read(actor, { action: `request.consent_signature.${file}`, entityType: 'aid_request', entityId: request.id });
    return out;
  }

  // — the household's side —

  /** The consent page of a request of the household (another household's request: 404). */
  async householdView(h: HouseholdActor, requestId: string) {
    const { facts, signature } = await this.ofHousehold(h, requestId);
    const signer = signature ? await this.d.repository.person(this.d.db, signature.personId) : null;
    const context = await this.context(facts, signer?.name ?? h.label);
    if (signature?.status === 'pending' && signature.personId === h.personId)
      await this.d.db.transaction(async (trx) => {
        await this.d.repository.find(trx, signature.id, { lock: true });
        await this.d.repository.append(trx, signature.id, 'viewed', this.d.clock.now(), {});
      });
    await this.trace(h, 'household.consent.view', requestId);
    return {
      request: { id: facts.id, reference: facts.reference, aidLabel: facts.aidLabel, landlordName: facts.landlordName },
      signature: signature ? await this.summary(this.d.db, signature) : null,
      /** the person the signature is asked of is the one logged in */
      mine: signature !== null && signature.personId === h.personId,
      codeActive:
        signature?.status === 'pending' &&
        signature.codeHash !== null &&
        signature.codeAttempts < CODE_MAX_ATTEMPTS &&
        (signature.codeExpiresAt?.getTime() ?? 0) > this.d.clock.now().getTime(),
      text: consentText(context),
      textVersion: CONSENT_TEXT_VERSION,
    };
  }

  /** The consents waiting for this person's signature (the household's home shows them first). */
  async pendingFor(h: HouseholdActor): Promise<Array<{ requestId: string; aidLabel: string; reference: string | null }>> {
    return this.d.repository.pendingForPerson(this.d.db, h.personId, h.householdId);
  }

  /** The consent text PDF (the one the signature covers). */
  async householdText(h: HouseholdActor, requestId: string): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const { signature } = await this.ofHousehold(h, requestId);
    if (!signature) throw new NotFoundError();
    const blob = await this.d.blobs.get(this.d.db, signature.documentBlobId);
    if (!blob) throw new NotFoundError();
    if (signature.status === 'pending' && signature.personId === h.personId)
      await this.d.db.transaction(async (trx) => {
        await this.d.repository.find(trx, signature.id, { lock: true });
        await this.d.repository.append(trx, signature.id, 'document_downloaded', this.d.clock.now(), {});
      });
    await this.trace(h, 'household.consent.text', requestId);
    return { fileName: `consentement-${CONSENT_TEXT_VERSION}.pdf`, contentType: 'application/pdf', data: blob.data };
  }

  /** "J'ai lu et je suis d'accord" ticked: a new code mailed to the person (the previous one no longer works). */
  async sendCode(h: HouseholdActor, requestId: string, client: Client): Promise<string> {
    const { db, repository, clock } = this.d;
    const { facts, signature } = await this.ofHousehold(h, requestId);
    const pending = this.pendingOf(signature, h);
    const person = await repository.person(db, h.personId);
    if (!person?.email) throw new ValidationError({ accord: 'Votre adresse électronique n’est pas connue : demandez à votre bailleur de l’ajouter.' });
    const now = clock.now();
    if (pending.codeSentAt && now.getTime() - pending.codeSentAt.getTime() < RESEND_SECONDS * 1000)
      throw new ValidationError({ accord: 'Un code vient de vous être envoyé. Regardez vos courriels, ou attendez une minute avant d’en demander un autre.' });
    const code = newCode();
    const sentTo = maskEmail(person.email);
    const associationName = (await this.d.settings.get()).letterhead.name;
    const mails: string[] = [];
    await db.transaction(async (trx) => {
      const locked = await repository.find(trx, pending.id, { lock: true });
      if (locked?.status !== 'pending') throw new ValidationError({ accord: 'Cette signature n’est plus en attente.' });
      await repository.update(trx, pending.id, {
        code_hash: hashCode(this.d.config.linkSigningSecret, pending.id, code),
        code_channel: 'email',
        code_sent_to: sentTo,
        code_sent_at: now,
        code_expires_at: new Date(now.getTime() + CODE_MINUTES * 60_000),
        code_attempts: 0,
      });
      await repository.append(trx, pending.id, 'agreed', now, { ...clientData(client) });
      await repository.append(trx, pending.id, 'code_sent', now, { channel: 'email', sentTo, validMinutes: CODE_MINUTES });
      mails.push(await this.d.mailer.queue(trx, signatureCodeMail(person.email!, person.name, code, associationName)));
      await this.d.audit.record(trx, householdAuditActor(h), {
        entityType: 'aid_request',
        entityId: facts.id,
        organisationId: facts.organisationId,
        action: 'request.consent_code_sent',
        after: { signatureId: pending.id, sentTo },
      });
    });
    await this.d.mailer.deliver(mails);
    return sentTo;
  }

  /** The typed code: signs when right; a wrong, expired or blocked code is recorded, then refused with its message. */
  async confirm(h: HouseholdActor, requestId: string, typed: string, client: Client): Promise<SignatureSummary> {
    const { db, repository, clock } = this.d;
    if (!/^\d{6}$/.test(typed)) throw new ValidationError({ code: 'Tapez les 6 chiffres du code reçu par courriel' });
    const { facts, signature } = await this.ofHousehold(h, requestId);
    const pending = this.pendingOf(signature, h);
    const identity = await this.identity();
    const certificate = describeIdentity(identity);
    const signer = (await repository.person(db, pending.personId))!;
    const context = await this.context(facts, signer.name);
    // the text sealed is the text the person was given: rebuilt from today's facts, it must be the stored document byte for byte
    const rebuilt = createHash('sha256')
      .update(await consentPdf(context, pending.createdAt))
      .digest('hex');
    if (rebuilt !== pending.documentSha256)
      throw new ValidationError({
        code: 'Le texte de l’accord a changé depuis qu’il vous a été envoyé. Votre bailleur doit vous le renvoyer : rien n’a été signé.',
      });
    const outcome = await db.transaction(async (trx): Promise<CodeOutcome> => {
      const s = await repository.find(trx, pending.id, { lock: true });
      if (s?.status !== 'pending') throw new ValidationError({ code: 'Cette signature n’est plus en attente.' });
      const now = clock.now();
      const check = checkCode(this.d.config.linkSigningSecret, s.id, s, typed, now);
      if (check === 'none' || check === 'blocked') return check;
      if (check === 'expired') {
        await repository.update(trx, s.id, { code_hash: null });
        await repository.append(trx, s.id, 'code_expired', now, { ...clientData(client) });
        return 'expired';
      }
      if (check === 'wrong') {
        const attempts = s.codeAttempts + 1;
        await repository.update(trx, s.id, { code_attempts: attempts });
        await repository.append(trx, s.id, 'code_failed', now, { attempt: attempts, ...clientData(client) });
        if (attempts >= CODE_MAX_ATTEMPTS) {
          await repository.append(trx, s.id, 'code_blocked', now, { attempts });
          return 'blocked';
        }
        return 'wrong';
      }
      await this.sign(trx, s, facts, signer, context, identity, certificate, client, now);
      await this.d.audit.record(trx, householdAuditActor(h), {
        entityType: 'aid_request',
        entityId: facts.id,
        organisationId: facts.organisationId,
        action: 'request.consent_signed',
        after: { signatureId: s.id, textVersion: s.textVersion, documentSha256: s.documentSha256 },
      });
      return 'signed';
    });
    if (outcome !== 'signed') throw new ValidationError({ code: CODE_MESSAGES[outcome] });
    return this.summary(db, (await repository.find(db, pending.id))!);
  }

  private async sign(
    trx: Db,
    s: ConsentSignature,
    facts: RequestFacts,
    signer: Signer,
    context: ConsentContext,
    identity: SigningIdentity,
    certificate: { subject: string; fingerprintSha256: string },
    client: Client,
    now: Date,
  ): Promise<void> {
    const { repository, blobs } = this.d;
    const page = {
      signatureId: s.id,
      documentSha256: s.documentSha256,
      signerName: signer.name,
      sentTo: s.codeSentTo ?? '',
      codeSentAt: s.codeSentAt ?? now,
      signedAt: now,
      ip: client.ip ?? '',
      certificateSubject: certificate.subject,
    };
    const sealed = await signPdf(await signedDocumentPdf(context, page), identity, {
      reason: `Consentement ${CONSENT_TEXT_VERSION} signé par ${signer.name}`,
      name: context.associationName,
      location: 'France',
      contactInfo: this.d.config.baseUrl,
      signingTime: now,
    });
    const stored = await blobs.put(trx, sealed, 'application/pdf');
    const timestamp = await this.timestamp(Buffer.from(stored.sha256, 'hex'));
    await repository.update(trx, s.id, {
      status: 'signed',
      code_hash: null,
      code_checked_at: now,
      signed_at: now,
      signed_ip: client.ip,
      signed_user_agent: client.userAgent,
      signed_blob_id: stored.id,
      timestamp_token: timestamp?.token ?? null,
    });
    await repository.append(trx, s.id, 'signed', now, {
      ...clientData(client),
      documentSha256: s.documentSha256,
      signedSha256: stored.sha256,
      certificate: certificate.fingerprintSha256,
    });
    if (timestamp)
      await repository.append(trx, s.id, 'timestamped', now, {
        tsaUrl: this.d.config.eSignature.tsaUrl,
        genTime: timestamp.genTime,
        tokenSha256: createHash('sha256').update(timestamp.token).digest('hex'),
      });
    await this.storeEvidence(trx, s.id, facts, signer);
    if (facts.status === 'draft')
      await repository.setRequestConsent(
        trx,
        facts.id,
        {
          informed: true,
          date: parisDate(now),
          method: E_SIGNATURE_METHOD,
          recordedBy: `${signer.name} (signature électronique)`,
          noticeVersion: CONSENT_TEXT_VERSION,
          signatureId: s.id,
          signedAt: now.toISOString(),
        },
        now,
      );
    await this.timeline(trx, facts.id, `Ménage — ${signer.name}`, `Consentement signé électroniquement par ${signer.name}`, now);
  }

  /** The RFC 3161 token of the signed PDF's digest, when SIGNING_TSA_URL is set; an unreachable service leaves the signature without one. */
  private async timestamp(digest: Buffer) {
    const url = this.d.config.eSignature.tsaUrl;
    if (!url) return null;
    try {
      return await requestTimestamp(url, digest);
    } catch (e) {
      this.d.logger.warn('e-signature: timestamping failed', { error: (e as Error).message });
      return null;
    }
  }

  /** The person withdraws the consent they signed: recorded in the chain, the request's consent cleared on a draft, the instructor told. */
  async withdraw(h: HouseholdActor, requestId: string, client: Client): Promise<void> {
    const { db, repository, clock } = this.d;
    const { facts, signature } = await this.ofHousehold(h, requestId);
    if (signature?.status !== 'signed' || signature.personId !== h.personId)
      throw new ValidationError({ confirmation: 'Il n’y a pas d’accord signé par vous à retirer.' });
    const signer = (await repository.person(db, signature.personId))!;
    const associationName = (await this.d.settings.get()).letterhead;
    const operatorEmail = facts.assignedTo ? await repository.userEmail(db, facts.assignedTo) : null;
    await this.identity(); // the evidence names the certificate: loaded before the transaction
    const mails: string[] = [];
    const now = clock.now();
    await db.transaction(async (trx) => {
      const s = await repository.find(trx, signature.id, { lock: true });
      if (s?.status !== 'signed') throw new ValidationError({ confirmation: 'Il n’y a pas d’accord signé par vous à retirer.' });
      await repository.update(trx, s.id, { status: 'withdrawn', withdrawn_at: now });
      await repository.append(trx, s.id, 'withdrawn', now, { ...clientData(client) });
      await this.storeEvidence(trx, s.id, facts, signer);
      if (facts.status === 'draft') await repository.setRequestConsent(trx, facts.id, null, now);
      await this.timeline(trx, facts.id, `Ménage — ${signer.name}`, `Consentement retiré par ${signer.name}`, now);
      await this.d.audit.record(trx, householdAuditActor(h), {
        entityType: 'aid_request',
        entityId: facts.id,
        organisationId: facts.organisationId,
        action: 'request.consent_withdrawn',
        before: { signatureId: s.id, status: 'signed' },
        after: { signatureId: s.id, status: 'withdrawn' },
      });
      const to = operatorEmail ?? associationName.email;
      if (to)
        mails.push(
          await this.d.mailer.queue(
            trx,
            consentWithdrawnMail(to, signer.name, facts.reference ?? 'brouillon', now, this.d.config.baseUrl + urls.request(facts.id), associationName.name),
          ),
        );
    });
    await this.d.mailer.deliver(mails);
  }

  /** A file of the household's own signature. */
  async householdFile(
    h: HouseholdActor,
    requestId: string,
    signatureId: string,
    file: string,
  ): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const { facts } = await this.ofHousehold(h, requestId);
    const signature = await this.d.repository.find(this.d.db, signatureId);
    if (!signature || signature.requestId !== facts.id) throw new NotFoundError();
    const out = await this.fileOf(signature, file);
    await this.trace(h, 'household.consent.file', requestId);
    return out;
  }

  // — evidence —

  /** The evidence of a signature as it stands (the chain verified now). */
  async evidence(signatureId: string, db: Db = this.d.db): Promise<Evidence> {
    const s = await this.d.repository.find(db, signatureId);
    if (!s) throw new NotFoundError();
    const facts = (await this.d.repository.requestFacts(db, s.requestId))!;
    const signer = (await this.d.repository.person(db, s.personId))!;
    return this.evidenceOf(db, s, facts, signer);
  }

  /** Recomputes the chain of a signature (a changed row breaks it). */
  async verify(signatureId: string, db: Db = this.d.db): Promise<ChainVerdict> {
    return verifyChain(await this.d.repository.events(db, signatureId));
  }

  private async evidenceOf(db: Db, s: ConsentSignature, facts: RequestFacts, signer: Signer): Promise<Evidence> {
    const identity = describeIdentity(await this.identity());
    const document = await this.d.blobs.get(db, s.documentBlobId);
    const signed = s.signedBlobId ? await this.d.blobs.get(db, s.signedBlobId) : null;
    const events = await this.d.repository.events(db, s.id);
    const stamped = events.find((e) => e.kind === 'timestamped');
    return buildEvidence({
      generatedAt: this.d.clock.now().toISOString(),
      signatureId: s.id,
      status: s.status,
      textVersion: s.textVersion,
      document: { sha256: s.documentSha256, size: document?.size ?? 0 },
      signedDocument: signed ? { sha256: signed.sha256, size: signed.size } : null,
      signer: {
        name: signer.name,
        personId: signer.personId,
        householdId: s.householdId,
        requestId: s.requestId,
        requestReference: facts.reference,
        landlord: facts.landlordName,
      },
      code: { channel: s.codeChannel, sentTo: s.codeSentTo, sentAt: s.codeSentAt?.toISOString() ?? null, checkedAt: s.codeCheckedAt?.toISOString() ?? null },
      client: { ip: s.signedIp, userAgent: s.signedUserAgent },
      signedAt: s.signedAt?.toISOString() ?? null,
      withdrawnAt: s.withdrawnAt?.toISOString() ?? null,
      certificate: { subject: identity.subject, fingerprintSha256: identity.fingerprintSha256 },
      timestamp:
        s.timestampToken && this.d.config.eSignature.tsaUrl
          ? {
              tsaUrl: String(stamped?.data.tsaUrl ?? this.d.config.eSignature.tsaUrl),
              genTime: (stamped?.data.genTime as string | null) ?? null,
              tokenBase64: s.timestampToken.toString('base64'),
            }
          : null,
      events,
    });
  }

  private async storeEvidence(trx: Db, signatureId: string, facts: RequestFacts, signer: Signer): Promise<void> {
    const s = (await this.d.repository.find(trx, signatureId))!;
    const evidence = await this.evidenceOf(trx, s, facts, signer);
    const associationName = (await this.d.settings.get(trx)).letterhead.name;
    const json = await this.d.blobs.put(trx, Buffer.from(`${JSON.stringify(evidence, null, 2)}\n`, 'utf8'), 'application/json');
    const pdf = await this.d.blobs.put(trx, await evidencePdf(evidence, associationName), 'application/pdf');
    await this.d.repository.update(trx, signatureId, { evidence_json_blob_id: json.id, evidence_pdf_blob_id: pdf.id });
  }

  // — helpers —

  private async fileOf(s: ConsentSignature, file: string): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    const blobId =
      file === 'document.pdf' ? s.signedBlobId : file === 'preuve.json' ? s.evidenceJsonBlobId : file === 'preuve.pdf' ? s.evidencePdfBlobId : null;
    const blob = blobId ? await this.d.blobs.get(this.d.db, blobId) : null;
    if (!blob) throw new NotFoundError();
    const base = file === 'document.pdf' ? 'consentement-signe' : 'preuve-signature';
    const ext = file.endsWith('.json') ? 'json' : 'pdf';
    return { fileName: `${base}-${s.id.slice(0, 8)}.${ext}`, contentType: ext === 'json' ? 'application/json' : 'application/pdf', data: blob.data };
  }

  private async ofHousehold(h: HouseholdActor, requestId: string): Promise<{ facts: RequestFacts; signature: ConsentSignature | null }> {
    const facts = await this.d.repository.requestFacts(this.d.db, requestId);
    if (!facts || facts.householdId !== h.householdId) throw new NotFoundError();
    const [signature] = (await this.d.repository.forRequest(this.d.db, facts.id)).filter((s) => s.status !== 'cancelled');
    return { facts, signature: signature ?? null };
  }

  private pendingOf(signature: ConsentSignature | null, h: HouseholdActor): ConsentSignature {
    if (!signature || signature.status !== 'pending') throw new ValidationError({ code: 'Aucune signature n’est en attente pour cette demande.' });
    if (signature.personId !== h.personId) throw new ValidationError({ code: 'La signature est demandée à une autre personne de votre foyer.' });
    return signature;
  }

  private async summary(db: Db, s: ConsentSignature): Promise<SignatureSummary> {
    const person = await this.d.repository.person(db, s.personId);
    return {
      id: s.id,
      status: s.status,
      signerName: person?.name ?? '',
      createdAt: s.createdAt,
      codeSentTo: s.codeSentTo,
      signedAt: s.signedAt,
      withdrawnAt: s.withdrawnAt,
      timestamped: s.timestampToken !== null,
    };
  }

  private async context(facts: RequestFacts, signerName: string): Promise<ConsentContext> {
    return {
      associationName: (await this.d.settings.get()).letterhead.name,
      landlordName: facts.landlordName,
      signerName,
      requestLabel: facts.reference ? `demande ${facts.reference}` : 'demande en préparation',
      aidLabel: facts.aidLabel,
      funderAsd: facts.funderAsd,
    };
  }

  private async timeline(trx: Db, requestId: string, actorLabel: string, message: string, now: Date): Promise<void> {
    await this.d.repository.addTimelineEvent(trx, requestId, actorLabel, message, now);
  }

  private async trace(h: HouseholdActor, action: string, requestId: string): Promise<void> {
    const trace = this.d.ports().trace;
    if (trace) await trace(h, { action, entityType: 'aid_request', entityId: requestId });
  }
}

const clientData = (c: Client) => ({ ip: c.ip, userAgent: c.userAgent });
