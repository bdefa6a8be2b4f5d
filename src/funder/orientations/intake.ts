import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import type { BlobStore } from '../../files/storage';
import type { Logger } from '../../logger';
import type { Clock } from '../../shared/clock';
import { parisDate } from '../../shared/dates';
import { isValidSiren, isValidSiret } from '../../shared/luhn';
import { acknowledgementFile, type FileAck, type RecordAck } from '../acknowledgements';
import type { FunderFileRepository } from '../files-repository';
import { JsonLinesError, parseJsonLines } from '../formats/jsonl';
import { manifestProblem, recordCount, sha256Hex } from '../formats/manifest';
import { acknowledgementName, manifestName, parseDataFileName } from '../formats/names';
import { schemaProblem } from '../formats/schemas';
import { TransportError, type FunderTransport } from '../transport/transport';
import type { FollowUpOutbox } from '../followup/outbox';
import { type FunderPgp, PgpError } from '../formats/pgp';
import type { OrientationRepository } from './repository';

const INTAKE: SystemActor = { userId: null, name: 'Tâche funder-orientations' };
const RECORD_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What one received file gave. */
export interface IntakeReport {
  file: string;
  status: 'recu' | 'rejete';
  records: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  problem: string | null;
  acknowledgement: string;
  acknowledgementSent: boolean;
}

/** The parts of an orientation record the intake reads once it passed the schema. */
interface OrientationRecord {
  id: string;
  orientation_asd: string;
  date_orientation: string;
  salarie: { nom: string; prenoms: string; date_naissance: string };
  employeur: { siret: string };
  logement: { bailleur_siren: string };
  consentement: { date: string };
}

class FileRefused extends Error {
  constructor(
    readonly code: 'MANIFESTE' | 'AUTRE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * `ORIENTATIONS` in (docs/echanges/orientations.md): reads the funder's new files from `retour`,
 * checks each against its manifest, then each record (schema, keys, dates, doublon, landlord by
 * SIREN), stores the accepted ones for the « Orientations ASD » queue and writes the `ACK_` file
 * back to `depot`. A file is applied whole in one transaction or refused whole; its
 * acknowledgement is stored with it and sent after the commit — again at the next run if the
 * transport failed, never twice (a name already on the server is taken as sent).
 */
export class OrientationIntake {
  private readonly db: Knex;
  private readonly transport: () => FunderTransport;
  private readonly files: FunderFileRepository;
  private readonly orientations: OrientationRepository;
  private readonly outbox: FollowUpOutbox;
  private readonly pgp: FunderPgp | null;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: {
    db: Knex;
    transport: () => FunderTransport;
    files: FunderFileRepository;
    orientations: OrientationRepository;
    outbox: FollowUpOutbox;
    /** OpenPGP with the funder, when configured: a `.jsonl.pgp` is decrypted and its signature required */
    pgp: FunderPgp | null;
    blobs: BlobStore;
    audit: AuditService;
    clock: Clock;
    logger: Logger;
  }) {
    this.db = deps.db;
    this.transport = deps.transport;
    this.files = deps.files;
    this.orientations = deps.orientations;
    this.outbox = deps.outbox;
    this.pgp = deps.pgp;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  async run(): Promise<IntakeReport[]> {
    const transport = this.transport();
    try {
      await this.sendPendingAcknowledgements(transport);
      const names = await transport.list('retour');
      const present = new Set(names);
      const candidates = names.filter((n) => {
        const parsed = parseDataFileName(n);
        return parsed?.sender === 'ALS' && parsed.flow === 'ORIENTATIONS';
      });
      const known = await this.files.namesAmong(this.db, candidates);
      const reports: IntakeReport[] = [];
      for (const name of candidates) {
        // a file whose manifest has not arrived yet is read at a next run
        if (known.has(name) || !present.has(manifestName(name))) continue;
        const data = await transport.get('retour', name);
        const manifest = await transport.get('retour', manifestName(name));
        const report = await this.receive(name, data, manifest);
        report.acknowledgementSent = await this.sendPendingAcknowledgements(transport, name);
        reports.push(report);
      }
      return reports;
    } finally {
      await transport.close();
    }
  }

  /** Sends the acknowledgements stored but not sent yet; true when `only`'s was sent. */
  private async sendPendingAcknowledgements(transport: FunderTransport, only?: string): Promise<boolean> {
    let sent = false;
    const pending = (await this.files.acknowledgementsToSend(this.db)).filter((f) => only === undefined || f.name === only);
    if (pending.length === 0) return false;
    const onServer = new Set(await transport.list('depot'));
    for (const file of pending) {
      const name = acknowledgementName(file.name);
      try {
        if (!onServer.has(name)) {
          const blob = file.ack_blob_id ? await this.blobs.get(this.db, file.ack_blob_id) : null;
          if (!blob) throw new Error(`accusé de ${file.name} introuvable`);
          await transport.put('depot', name, blob.data);
        }
        await this.files.markAcknowledgementSent(this.db, file.id, this.clock.now());
        sent ||= file.name === only;
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        this.logger.warn('funder acknowledgement not sent', { file: file.name, error: error.message, retriable: error.retriable });
      }
    }
    return sent;
  }

  /** Reads one file and stores what it gave, with its acknowledgement, in one transaction. */
  async receive(name: string, data: Buffer, manifest: Buffer): Promise<IntakeReport> {
    const now = this.clock.now();
    const receivedAt = now.toISOString();
    const parsedName = parseDataFileName(name);
    if (!parsedName) throw new Error(`nom de fichier hors format : ${name}`);
    return this.db.transaction(async (trx) => {
      const stored = {
        data: await this.blobs.put(trx, data, 'application/jsonl'),
        manifest: await this.blobs.put(trx, manifest, 'application/json'),
      };
      let acks: RecordAck[] = [];
      let fileAck: FileAck = { fichier: name, statut: 'recu', recu_le: receivedAt };
      let accepted: Array<{ record: OrientationRecord; line: number; organisationId: string }> = [];
      // the records' count: read in clear (an encrypted file that cannot be opened counts none)
      let records = parsedName.encrypted ? 0 : recordCount(data);
      try {
        ({ acks, accepted, records } = await this.check(trx, name, data, manifest, parsedName.encrypted));
      } catch (error) {
        if (!(error instanceof FileRefused)) throw error;
        fileAck = { fichier: name, statut: 'rejete', recu_le: receivedAt, code: error.code, message: error.message };
        acks = [];
        accepted = [];
      }
      const ack = await this.blobs.put(trx, acknowledgementFile(fileAck, acks), 'application/jsonl');
      const count = (statut: RecordAck['statut']) => acks.filter((a) => a.statut === statut).length;
      const fileId = await this.files.insert(
        trx,
        {
          direction: 'in',
          name,
          flow: 'ORIENTATIONS',
          sender: 'ALS',
          sequence: parsedName.sequence,
          period_start: null,
          period_end: parsedName.periodEnd,
          status: fileAck.statut,
          records,
          accepted: count('accepte'),
          rejected: count('rejete'),
          duplicates: count('doublon'),
          sha256: sha256Hex(data),
          problem: fileAck.statut === 'rejete' ? fileAck.message : null,
          data_blob_id: stored.data.id,
          manifest_blob_id: stored.manifest.id,
          ack_blob_id: ack.id,
          ack_status: 'a_envoyer',
        },
        now,
      );
      await this.audit.record(trx, INTAKE, {
        entityType: 'funder_file',
        entityId: fileId,
        organisationId: null,
        action: fileAck.statut === 'recu' ? 'received' : 'refused',
        after: { name, status: fileAck.statut, accepted: count('accepte'), rejected: count('rejete'), duplicates: count('doublon') },
      });
      for (const { record, line, organisationId } of accepted) {
        const id = await this.orientations.insert(trx, {
          record_id: record.id,
          orientation_asd: record.orientation_asd,
          file_id: fileId,
          line,
          organisation_id: organisationId,
          oriented_on: record.date_orientation,
          last_name: record.salarie.nom,
          first_names: record.salarie.prenoms,
          birth_date: record.salarie.date_naissance,
          record: record as unknown as Record<string, unknown>,
          received_at: now,
        });
        await this.outbox.orientation(trx, id, record.orientation_asd, 'orientation_recue', now);
        await this.audit.record(trx, INTAKE, {
          entityType: 'funder_orientation',
          entityId: id,
          organisationId,
          action: 'received',
          after: { orientation_asd: record.orientation_asd, record_id: record.id, file: name },
        });
      }
      return {
        file: name,
        status: fileAck.statut,
        records,
        accepted: count('accepte'),
        rejected: count('rejete'),
        duplicates: count('doublon'),
        problem: fileAck.statut === 'rejete' ? fileAck.message : null,
        acknowledgement: acknowledgementName(name),
        acknowledgementSent: false,
      };
    });
  }

  private async check(trx: Knex.Transaction, name: string, data: Buffer, manifest: Buffer, encrypted: boolean) {
    const plain = encrypted ? await this.decrypt(data) : data;
    const problem = manifestProblem(manifest, data, { fileName: name, flow: 'ORIENTATIONS', sender: 'ALS' }, plain);
    if (problem) throw new FileRefused('MANIFESTE', problem);
    let lines;
    try {
      lines = parseJsonLines(plain);
    } catch (error) {
      if (error instanceof JsonLinesError) throw new FileRefused('AUTRE', error.message);
      throw error;
    }
    // a record without a readable id cannot be acknowledged on its own: the file is refused whole
    const records = lines.map((l) => {
      if ('problem' in l) throw new FileRefused('AUTRE', `ligne ${l.line} : ${l.problem}`);
      if (typeof l.value.id !== 'string' || !RECORD_ID.test(l.value.id))
        throw new FileRefused('AUTRE', `ligne ${l.line} : identifiant (id) absent ou hors format`);
      return l;
    });
    const ids = records.map((r) => r.value.id as string);
    const knownIds = await this.orientations.knownRecordIds(trx, ids);
    const sirens = records.map((r) => (r.value.logement as { bailleur_siren?: unknown } | undefined)?.bailleur_siren).filter((s) => typeof s === 'string');
    const landlords = await this.orientations.landlordsBySiren(trx, sirens);
    const today = parisDate(this.clock.now());
    const seen = new Set<string>();
    const acks: RecordAck[] = [];
    const accepted: Array<{ record: OrientationRecord; line: number; organisationId: string }> = [];
    for (const { line, value } of records) {
      const id = value.id as string;
      if (seen.has(id) || knownIds.has(id)) {
        acks.push({ id, statut: 'doublon', code: 'DOUBLON', message: seen.has(id) ? `id déjà présent plus haut dans ce fichier` : 'orientation déjà reçue' });
        continue;
      }
      seen.add(id);
      const invalid = schemaProblem('orientation', value) ?? this.meaningProblem(value as unknown as OrientationRecord, today);
      if (invalid) {
        acks.push({ id, statut: 'rejete', code: 'SCHEMA', message: invalid });
        continue;
      }
      const record = value as unknown as OrientationRecord;
      const organisationId = landlords.get(record.logement.bailleur_siren);
      if (!organisationId) {
        acks.push({
          id,
          statut: 'rejete',
          code: 'INCONNU',
          message: `logement.bailleur_siren : ${record.logement.bailleur_siren} n’est pas un bailleur adhérent`,
        });
        continue;
      }
      acks.push({ id, statut: 'accepte' });
      accepted.push({ record, line, organisationId });
    }
    return { acks, accepted, records: lines.length };
  }

  /** A `.jsonl.pgp`: decrypted with Entraide's key, signed by the funder — or refused whole. */
  private async decrypt(data: Buffer): Promise<Buffer> {
    if (!this.pgp) throw new FileRefused('AUTRE', 'fichier chiffré (OpenPGP) : le déchiffrement n’est pas configuré pour ORIENTATIONS');
    try {
      return await this.pgp.decrypt(data);
    } catch (error) {
      if (error instanceof PgpError) throw new FileRefused('AUTRE', error.message);
      throw error;
    }
  }

  /** What the schema cannot say: Luhn keys, dates that cannot be. */
  private meaningProblem(r: OrientationRecord, today: string): string | null {
    if (!isValidSiren(r.logement.bailleur_siren)) return 'logement.bailleur_siren : clé de contrôle invalide';
    if (!isValidSiret(r.employeur.siret)) return 'employeur.siret : clé de contrôle invalide';
    if (r.salarie.date_naissance >= today) return 'salarie.date_naissance : doit être passée';
    if (r.date_orientation > today) return 'date_orientation : ne peut pas être dans le futur';
    if (r.consentement.date > today) return 'consentement.date : ne peut pas être dans le futur';
    return null;
  }
}
