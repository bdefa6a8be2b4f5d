import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import type { Db } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Logger } from '../../logger';
import type { Clock } from '../../shared/clock';
import type { FunderFileRepository, FunderFileRow } from '../files-repository';
import { FunderRecordRepository, type RecordSource } from './records-repository';
import { toJsonLines } from '../formats/jsonl';
import { buildManifest } from '../formats/manifest';
import type { FunderPgp } from '../formats/pgp';
import { dataFileName, manifestName, type Flow } from '../formats/names';
import { type SchemaName, schemaProblem } from '../formats/schemas';
import { TransportError, type FunderTransport } from '../transport/transport';

/** The flows Entraide sends, and the schema each record is checked against before it leaves. */
export type OutboundFlow = Exclude<Flow, 'ORIENTATIONS'>;
const SCHEMA_OF: Record<OutboundFlow, SchemaName> = { SUIVI: 'suivi', FACTURATION: 'facturation', ECRITURES: 'ecritures', REPORTING: 'reporting' };

/** One record to send: its `id` is the record's stable id in the flow. */
export type OutboundRecord = { id: string } & Record<string, unknown>;

export interface PreparedFile {
  fileId: string;
  flow: OutboundFlow;
  file: string;
  manifest: string;
  records: number;
  sha256: string;
  totals: Record<string, number> | null;
  dataBlobId: string;
  manifestBlobId: string;
}

export interface Delivery {
  file: string;
  status: 'depose' | 'prepare' | 'en_echec';
  problem: string | null;
}

/** A record that breaks its flow's schema: nothing of the file is stored, nothing leaves. */
export class OutboundRecordInvalid extends Error {
  constructor(
    readonly flow: OutboundFlow,
    readonly recordId: string,
    readonly problem: string,
  ) {
    super(`${flow} : l’enregistrement ${recordId} ne respecte pas le format (${problem}) ; aucun fichier n’est préparé`);
    this.name = 'OutboundRecordInvalid';
  }
}

/** Why a record of a flow cannot leave (its schema), or null. */
export const recordProblem = (flow: OutboundFlow, record: unknown): string | null => schemaProblem(SCHEMA_OF[flow], record);

const SENDER: SystemActor = { userId: null, name: 'Échanges Action Logement' };

/**
 * Files to Action Logement (docs/echanges/README.md): `prepare` builds one inside the caller's
 * transaction — next sequence number of the flow, JSON Lines validated record by record against
 * the flow's schema, manifest with its totals, both stored — so that the file exists exactly when
 * the business change that fills it commits. `deliver`, after the commit, puts every prepared
 * file on the server (data, then manifest: the funder reads a file once its manifest is there).
 * A transport failure leaves the file `prepare` (à renvoyer) for the next run; a file already on
 * the server is taken as delivered, never sent twice.
 */
export class OutboundSender {
  private readonly db: Knex;
  private readonly transport: () => FunderTransport;
  private readonly files: FunderFileRepository;
  private readonly records = new FunderRecordRepository();
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pgp: FunderPgp | null;

  constructor(deps: {
    db: Knex;
    transport: () => FunderTransport;
    files: FunderFileRepository;
    blobs: BlobStore;
    audit: AuditService;
    clock: Clock;
    logger: Logger;
    /** OpenPGP with the funder, when configured */
    pgp: FunderPgp | null;
  }) {
    this.pgp = deps.pgp;
    this.db = deps.db;
    this.transport = deps.transport;
    this.files = deps.files;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  /** Builds and stores one file of `flow` (call it inside the transaction that decides what it holds). */
  async prepare(
    trx: Db,
    input: {
      flow: OutboundFlow;
      periodStart: string;
      periodEnd: string;
      records: readonly OutboundRecord[];
      totals?: Record<string, number>;
      /** where each record comes from (by record id), for the person who corrects a rejected one */
      sources?: ReadonlyMap<string, RecordSource>;
    },
  ): Promise<PreparedFile> {
    for (const record of input.records) {
      const problem = schemaProblem(SCHEMA_OF[input.flow], record);
      if (problem) throw new OutboundRecordInvalid(input.flow, String(record.id), problem);
    }
    const now = this.clock.now();
    const sequence = await this.nextSequence(trx, input.flow);
    const data = toJsonLines(input.records);
    // OpenPGP for this flow: encrypted to the funder and signed; the manifest stays clear, its hash the file's as deposited
    const sent = this.pgp?.encrypts(input.flow) ? await this.pgp.encrypt(data) : null;
    const file = dataFileName({ sender: 'ENTRAIDE', flow: input.flow, periodEnd: input.periodEnd, sequence, encrypted: sent !== null });
    const manifest = buildManifest({
      fileName: file,
      flow: input.flow,
      sender: 'ENTRAIDE',
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      generatedAt: now.toISOString(),
      data,
      ...(sent ? { sent } : {}),
      ...(input.totals ? { totals: input.totals } : {}),
    });
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    const dataBlob = await this.blobs.put(trx, sent ?? data, sent ? 'application/pgp-encrypted' : 'application/jsonl');
    const manifestBlob = await this.blobs.put(trx, manifestBytes, 'application/json');
    const fileId = await this.files.insert(
      trx,
      {
        direction: 'out',
        name: file,
        flow: input.flow,
        sender: 'ENTRAIDE',
        sequence,
        period_start: input.periodStart,
        period_end: input.periodEnd,
        status: 'prepare',
        records: manifest.enregistrements,
        accepted: 0,
        rejected: 0,
        duplicates: 0,
        sha256: manifest.sha256,
        problem: null,
        data_blob_id: dataBlob.id,
        manifest_blob_id: manifestBlob.id,
        ack_blob_id: null,
        ack_status: null,
        totals: input.totals ?? null,
      },
      now,
    );
    await this.records.sent(trx, input.flow, fileId, input.records, input.sources ?? new Map(), now);
    await this.audit.record(trx, SENDER, {
      entityType: 'funder_file',
      entityId: fileId,
      organisationId: null,
      action: 'prepared',
      after: { name: file, records: manifest.enregistrements, totals: input.totals ?? null },
    });
    return {
      fileId,
      flow: input.flow,
      file,
      manifest: manifestName(file),
      records: manifest.enregistrements,
      sha256: manifest.sha256,
      totals: input.totals ?? null,
      dataBlobId: dataBlob.id,
      manifestBlobId: manifestBlob.id,
    };
  }

  /** Files on the server since before `sentBefore` and still unacknowledged, not flagged yet: flagged now, their names returned. */
  async claimUnacknowledged(trx: Db, sentBefore: Date, now: Date): Promise<string[]> {
    return this.files.claimOverdue(trx, sentBefore, now);
  }

  /** An outbound file as `prepare` described it, read back (the jobs list the files a flow made). */
  async describe(fileId: string): Promise<PreparedFile | null> {
    const row = await this.files.find(this.db, fileId);
    if (!row || row.direction !== 'out' || row.flow === 'ORIENTATIONS' || !row.data_blob_id || !row.manifest_blob_id) return null;
    return {
      fileId: row.id,
      flow: row.flow,
      file: row.name,
      manifest: manifestName(row.name),
      records: row.records,
      sha256: row.sha256,
      totals: row.totals,
      dataBlobId: row.data_blob_id,
      manifestBlobId: row.manifest_blob_id,
    };
  }

  /**
   * Puts every prepared file on the funder's server, oldest first. One delivery at a time (a lock
   * held until it ends): two at once would both see a name absent and write the same `.part`.
   */
  async deliver(): Promise<Delivery[]> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['entraide:funder-deliver']);
      const pending = await this.files.toDeliver(trx);
      if (pending.length === 0) return [];
      const transport = this.transport();
      try {
        let onServer: Set<string>;
        try {
          onServer = new Set(await transport.list('depot'));
        } catch (error) {
          if (!(error instanceof TransportError)) throw error;
          this.logger.warn('funder server not reached', { error: error.message });
          return pending.map((file) => ({ file: file.name, status: 'prepare' as const, problem: error.message }));
        }
        const deliveries: Delivery[] = [];
        for (const file of pending) deliveries.push(await this.deliverOne(trx, transport, onServer, file));
        return deliveries;
      } finally {
        await transport.close();
      }
    });
  }

  private async deliverOne(trx: Db, transport: FunderTransport, onServer: Set<string>, file: FunderFileRow): Promise<Delivery> {
    try {
      for (const [name, blobId] of [
        [file.name, file.data_blob_id],
        [manifestName(file.name), file.manifest_blob_id],
      ] as const) {
        // on the server already: sent by a run that stopped before noting it
        if (onServer.has(name)) continue;
        const blob = blobId ? await this.blobs.get(trx, blobId) : null;
        if (!blob) throw new Error(`contenu de ${name} introuvable`);
        await transport.put('depot', name, blob.data);
      }
      await this.files.markDelivered(trx, file.id, this.clock.now());
      await this.audit.record(trx, SENDER, {
        entityType: 'funder_file',
        entityId: file.id,
        organisationId: null,
        action: 'delivered',
        after: { name: file.name },
      });
      return { file: file.name, status: 'depose', problem: null };
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      this.logger.warn('funder file not delivered', { file: file.name, error: error.message, retriable: error.retriable });
      if (error.retriable) {
        // « à redéposer » on the Échanges page: the next quarter of an hour tries again
        await this.files.noteProblem(trx, file.id, error.message);
        return { file: file.name, status: 'prepare', problem: error.message };
      }
      await this.files.markFailed(trx, file.id, error.message);
      return { file: file.name, status: 'en_echec', problem: error.message };
    }
  }

  /** The next sequence number of a flow (never reused: the counter's row is locked until the commit). */
  private async nextSequence(trx: Db, flow: OutboundFlow): Promise<number> {
    const rows = await trx.raw<{ rows: Array<{ last: number }> }>(
      `insert into funder_sequences (sender, flow, last) values ('ENTRAIDE', ?, 1)
       on conflict (sender, flow) do update set last = funder_sequences.last + 1
       returning last`,
      [flow],
    );
    return Number(rows.rows[0]!.last);
  }
}
