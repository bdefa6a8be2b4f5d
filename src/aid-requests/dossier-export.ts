import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { BlobStore } from '../files/storage';
import type { PaymentRepository } from '../payments/repository';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { safeName, zipArchive, type ZipEntry } from '../shared/zip';
import type { RequestDocumentRepository } from './filing/documents-repository';
import type { DecisionRepository } from './instruction/decisions-repository';
import type { AidRequestRepository } from './repository';
import type { AidRequestService } from './service';

/**
 * A request's whole dossier as one ZIP, for the funder's case worker (issue 15): `dossier.json`
 * (the request, its situation as filed, its decisions, its instalments, its shared timeline — no
 * internal note, no IBAN), its current documents and its decision letters. For the association
 * only; each export is a traced read of the dossier.
 */
export class RequestDossierExport {
  constructor(
    private readonly deps: {
      db: Knex;
      aidRequests: AidRequestService;
      requests: AidRequestRepository;
      decisions: DecisionRepository;
      payments: PaymentRepository;
      documents: RequestDocumentRepository;
      blobs: BlobStore;
      accessLog: AccessLogService;
      clock: Clock;
    },
  ) {}

  async zip(actor: Actor, id: string): Promise<{ fileName: string; data: Buffer }> {
    const { db } = this.deps;
    const request = await this.deps.aidRequests.get(actor, id, db, 'requests:instruct');
    const [decisions, payments, documents, events] = await Promise.all([
      this.deps.decisions.forRequest(db, request.id),
      this.deps.payments.forRequest(db, request.id),
      this.deps.documents.list(db, request.id),
      this.deps.requests.events(db, request.id, false),
    ]);
    const dossier = {
      exporte_le: this.deps.clock.now().toISOString(),
      demande: {
        reference: request.reference,
        orientation_asd: request.orientationAsd,
        statut: request.status,
        aide: { code: request.aidTypeCode, libelle: request.aidTypeLabel },
        bailleur: request.organisationName,
        locataire: request.tenantName,
        montant_demande_centimes: request.requestedCents,
        deposee_le: request.submittedAt?.toISOString() ?? null,
        decidee_le: request.decidedAt?.toISOString() ?? null,
        situation: request.situation,
      },
      decisions: decisions.map((d) => ({
        nature: d.kind,
        statut: d.status,
        montant_centimes: d.amountCents,
        echeances: d.instalments,
        motif: d.reasonCode,
        proposee_le: d.proposedAt.toISOString(),
        validee_le: d.validatedAt?.toISOString() ?? null,
      })),
      versements: payments.map((p) => ({
        echeance: p.instalment,
        sur: p.instalments,
        montant_centimes: p.amountCents,
        date_prevue: p.dueDate,
        statut: p.status,
        beneficiaire: p.payeeName,
      })),
      historique: events.map((e) => ({ le: e.occurredAt.toISOString(), par: e.actorLabel, type: e.kind, vers: e.toStatus, message: e.message })),
      pieces: documents.filter((d) => d.current).map((d) => ({ type: d.kind, fichier: `pieces/${safeName(`${d.kind}-${d.filename}`)}`, sha256: d.sha256 })),
    };
    const entries: ZipEntry[] = [{ name: 'dossier.json', data: `${JSON.stringify(dossier, null, 2)}\n` }];
    for (const d of documents.filter((doc) => doc.current)) {
      const blob = await this.deps.blobs.get(db, d.blobId);
      if (blob) entries.push({ name: `pieces/${safeName(`${d.kind}-${d.filename}`)}`, data: blob.data });
    }
    for (const [i, d] of decisions.entries()) {
      const letter = d.letterBlobId ? await this.deps.blobs.get(db, d.letterBlobId) : null;
      if (letter) entries.push({ name: `courriers/decision-${i + 1}-${d.kind}.pdf`, data: letter.data });
    }
    await this.deps.accessLog.read(actor, { action: 'request.dossier_export', entityType: 'aid_request', entityId: request.id });
    const data = await zipArchive(entries);
    return { fileName: `dossier-${request.reference ?? request.id}-${parisDate(this.deps.clock.now())}.zip`, data };
  }
}
