import type { Knex } from 'knex';
import type { AuditService, SystemActor } from '../../audit/service';
import type { BlobStore } from '../../files/storage';
import type { Logger } from '../../logger';
import type { Clock } from '../../shared/clock';
import type { FunderFileRepository, FunderFileRow } from '../files-repository';
import { JsonLinesError, parseJsonLines } from '../formats/jsonl';
import { acknowledgedFile } from '../formats/names';
import { schemaProblem } from '../formats/schemas';
import type { FunderTransport } from '../transport/transport';
import type { FunderRecordRepository } from './records-repository';

/** What reading one of the funder's acknowledgements gave. */
export interface AcknowledgementReport {
  file: string;
  status: 'accuse' | 'rejete_en_partie' | 'rejete' | 'illisible';
  accepted: number;
  rejected: number;
  duplicates: number;
  problem: string | null;
}

interface RecordLine {
  id: string;
  statut: 'accepte' | 'rejete' | 'doublon';
  code?: string;
  message?: string;
}

const READER: SystemActor = { userId: null, name: 'Tâche funder-orientations' };

/**
 * Acknowledgements in (docs/echanges/README.md §3): the funder's `ACK_ENTRAIDE_…` files in
 * `retour`, each checked line by line against accuse.v1 before anything is applied, then applied
 * in one transaction: the file becomes « accusé », « rejeté en partie » or « rejeté », each of its
 * records `accepte`, `rejete` (with the code and message, for a person to correct) or `doublon`.
 * An unreadable acknowledgement changes nothing and is noted on the file; the file stays
 * unacknowledged (and is flagged after 48 hours).
 */
export class AcknowledgementReader {
  private readonly db: Knex;
  private readonly transport: () => FunderTransport;
  private readonly files: FunderFileRepository;
  private readonly records: FunderRecordRepository;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(deps: {
    db: Knex;
    transport: () => FunderTransport;
    files: FunderFileRepository;
    records: FunderRecordRepository;
    blobs: BlobStore;
    audit: AuditService;
    clock: Clock;
    logger: Logger;
  }) {
    this.db = deps.db;
    this.transport = deps.transport;
    this.files = deps.files;
    this.records = deps.records;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.logger = deps.logger;
  }

  async run(): Promise<AcknowledgementReport[]> {
    const waiting = await this.files.awaitingAcknowledgement(this.db);
    if (waiting.length === 0) return [];
    const byName = new Map(waiting.map((f) => [f.name, f]));
    const transport = this.transport();
    try {
      const reports: AcknowledgementReport[] = [];
      for (const name of await transport.list('retour')) {
        const file = byName.get(acknowledgedFile(name) ?? '');
        if (!file) continue;
        reports.push(await this.apply(file, await transport.get('retour', name)));
      }
      return reports;
    } finally {
      await transport.close();
    }
  }

  /** Applies one acknowledgement to the file it answers, whole or not at all. */
  async apply(file: FunderFileRow, data: Buffer): Promise<AcknowledgementReport> {
    const now = this.clock.now();
    const read = this.read(file.name, data);
    if ('problem' in read) {
      await this.files.noteProblem(this.db, file.id, `accusé illisible : ${read.problem}`);
      this.logger.warn('funder acknowledgement unreadable', { file: file.name, problem: read.problem });
      return { file: file.name, status: 'illisible', accepted: 0, rejected: 0, duplicates: 0, problem: read.problem };
    }
    const count = (statut: RecordLine['statut']) => read.records.filter((r) => r.statut === statut).length;
    const status = read.file.statut === 'rejete' ? 'rejete' : count('rejete') > 0 ? 'rejete_en_partie' : 'accuse';
    const problem = read.file.statut === 'rejete' ? `${read.file.code ?? 'AUTRE'} : ${read.file.message ?? 'fichier refusé'}` : null;
    await this.db.transaction(async (trx) => {
      const stored = await this.blobs.put(trx, data, 'application/jsonl');
      // a file refused whole: every record it carried is refused with the file's reason
      const lines: RecordLine[] =
        read.file.statut === 'rejete'
          ? (await this.records.ofFile(trx, file.id)).map((r) => ({
              id: r.record_id,
              statut: 'rejete',
              code: read.file.code ?? 'AUTRE',
              message: problem ?? '',
            }))
          : read.records;
      await this.records.acknowledge(trx, file.id, lines, now);
      await this.files.markAcknowledged(
        trx,
        file.id,
        {
          status,
          accepted: count('accepte'),
          rejected: read.file.statut === 'rejete' ? file.records : count('rejete'),
          duplicates: count('doublon'),
          problem,
          ackBlobId: stored.id,
        },
        now,
      );
      await this.audit.record(trx, READER, {
        entityType: 'funder_file',
        entityId: file.id,
        organisationId: null,
        action: 'acknowledged',
        after: { name: file.name, status, accepted: count('accepte'), rejected: count('rejete'), duplicates: count('doublon') },
      });
    });
    return { file: file.name, status, accepted: count('accepte'), rejected: count('rejete'), duplicates: count('doublon'), problem };
  }

  private read(
    name: string,
    data: Buffer,
  ): { file: { statut: 'recu' | 'rejete'; code?: string; message?: string }; records: RecordLine[] } | { problem: string } {
    let lines;
    try {
      lines = parseJsonLines(data);
    } catch (error) {
      if (error instanceof JsonLinesError) return { problem: error.message };
      throw error;
    }
    for (const line of lines) {
      if ('problem' in line) return { problem: `ligne ${line.line} : ${line.problem}` };
      const problem = schemaProblem('accuse', line.value);
      if (problem) return { problem: `ligne ${line.line} : ${problem}` };
    }
    const [first, ...rest] = lines.map((l) => (l as { value: Record<string, unknown> }).value);
    if (!first || !('fichier' in first)) return { problem: 'la première ligne doit être celle du fichier' };
    if (first.fichier !== name) return { problem: `l’accusé répond au fichier ${String(first.fichier)}, pas ${name}` };
    if (rest.some((r) => !('id' in r))) return { problem: 'une seule ligne de fichier est admise, la première' };
    return { file: first as { statut: 'recu' | 'rejete'; code?: string; message?: string }, records: rest as unknown as RecordLine[] };
  }
}
