import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import { type Db, isUuid, type Page, toPage } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import { type Actor, type Permission, scopeFor } from '../../permissions';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { urls } from '../../urls';
import type { FileDirection, FunderFileRow } from '../files-repository';
import type { FunderRecordRow as StoredRecordRow } from '../outbound/records-repository';
import type { Delivery } from '../outbound/sender';
import { acknowledgementName, type Flow, FLOWS, manifestName } from '../formats/names';
import { FLOW_LABELS, RECORD_STATUS_LABELS, TOTAL_LABELS } from './labels';
import { ExchangesRepository, type FunderRecordRow, type RecordStatus, type RejectedRecordRow } from './repository';

/** What the page needs of the outbound sender. */
export interface Outbound {
  deliver(): Promise<Delivery[]>;
}

export const PAGE_SIZE = 50;
/** A file on the funder's server this long without acknowledgement is shown « sans accusé depuis 48 h ». */
export const ACK_OVERDUE_HOURS = 48;
export const FILE_PARTS = ['donnees', 'manifeste', 'accuse', 'facture', 'tableur'] as const;
export type FilePart = (typeof FILE_PARTS)[number];

/** `reporting-2026-11.xlsx`: a REPORTING month's spreadsheet (dates are read as `AAAA-MM-JJ` text, src/db/database.ts). */
const sheetName = (periodStart: string): string => `reporting-${periodStart.slice(0, 7)}.xlsx`;

/** The job that makes (or reads) each flow's files: the « Lancer maintenant » of the jobs page. */
export const FLOW_JOBS: Readonly<Record<Flow, string>> = {
  ORIENTATIONS: 'funder-orientations',
  SUIVI: 'funder-followup',
  FACTURATION: 'funder-billing',
  ECRITURES: 'funder-ledger',
  REPORTING: 'funder-reporting',
};

/** A file as the lists show it. */
export interface ExchangeFile {
  id: string;
  direction: FileDirection;
  name: string;
  flow: Flow;
  sequence: number;
  periodStart: string | null;
  periodEnd: string;
  status: string;
  /** « préparé » after a transport failure: it leaves again at the next delivery. */
  toRedeliver: boolean;
  records: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  problem: string | null;
  createdAt: Date;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
}

/** One control total of a manifest: money in cents, or a count. */
export interface ExchangeTotal {
  key: string;
  label: string;
  value: number;
  money: boolean;
}

/** A file's page: the file, its totals, its manifest and acknowledgement, what can be downloaded, its records. */
export interface ExchangeFileDetail extends ExchangeFile {
  sha256: string;
  totals: ExchangeTotal[];
  ackStatus: 'a_envoyer' | 'envoye' | null;
  ackSentAt: Date | null;
  /** The manifest as stored (JSON, indented). */
  manifest: string | null;
  /** The acknowledgement's first line, the verdict on the whole file. */
  ackVerdict: { statut: string; code: string | null; message: string | null } | null;
  downloads: Array<{ part: FilePart; label: string; fileName: string }>;
  invoiceNumber: string | null;
  /** Outbound files: how many of the records that last left in it stand at each status, and those the funder refused. */
  recordCounts: Array<{ status: RecordStatus; n: number }>;
  rejectedRecords: Array<{ id: string; recordId: string; orientationAsd: string | null; code: string | null; message: string | null }>;
}

/** Where to correct a rejected record: its request, mission, ledger entry or orientation (shown as a link to those who may open it). */
export interface RecordSourceLink {
  label: string;
  href: string;
  permission: Permission;
}

export interface RejectedRecord {
  id: string;
  flow: Flow;
  recordId: string;
  orientationAsd: string | null;
  code: string | null;
  message: string | null;
  fileId: string | null;
  fileName: string | null;
  sendings: number;
  updatedAt: Date;
  source: RecordSourceLink | null;
}

export interface FlowSummary {
  flow: Flow;
  direction: FileDirection;
  job: string;
  lastFile: ExchangeFile | null;
  /** files built but not on the server yet (« préparé », « à redéposer ») */
  pending: number;
  /** files a transport failure that retrying will not mend stopped (« en échec ») */
  failed: number;
  rejectedRecords: number;
}

export interface ExchangesSummary {
  flows: FlowSummary[];
  pending: number;
  /** Files deposited more than 48 hours ago and still without acknowledgement. */
  unacknowledged: ExchangeFile[];
}

const TOTAL_KEYS = Object.keys(TOTAL_LABELS);
const totalRank = (key: string) => (TOTAL_KEYS.includes(key) ? TOTAL_KEYS.indexOf(key) : TOTAL_KEYS.length);

const toFile = (r: FunderFileRow): ExchangeFile => ({
  id: r.id,
  direction: r.direction,
  name: r.name,
  flow: r.flow,
  sequence: r.sequence,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  status: r.status,
  toRedeliver: r.status === 'prepare' && r.problem !== null,
  records: r.records,
  accepted: r.accepted,
  rejected: r.rejected,
  duplicates: r.duplicates,
  problem: r.problem,
  createdAt: r.created_at,
  sentAt: r.sent_at,
  acknowledgedAt: r.acknowledged_at,
});

function sourceOf(r: RejectedRecordRow): RecordSourceLink | null {
  if (!r.source_id) return null;
  switch (r.source_type) {
    case 'aid_request':
      return { label: `Demande ${r.request_reference ?? ''}`.trim(), href: urls.request(r.source_id), permission: 'requests:read' };
    case 'mission':
      return { label: `Accompagnement ${r.mission_reference ?? ''}`.trim(), href: urls.mission(r.source_id), permission: 'missions:read' };
    case 'ledger_entry':
      return { label: `Écriture ${r.entry_number ?? ''}`.trim(), href: urls.accountingEntry(r.source_id), permission: 'accounting:read' };
    case 'mission_billing_line':
      return r.billing_mission_id
        ? { label: `Accompagnement ${r.billing_mission_reference ?? ''}`.trim(), href: urls.mission(r.billing_mission_id), permission: 'missions:read' }
        : null;
    case 'funder_orientation':
      return { label: `Orientation ${r.orientation_number ?? ''}`.trim(), href: urls.orientation(r.source_id), permission: 'orientations:read' };
    default:
      return null;
  }
}

/** The first line of an acknowledgement (the file's verdict), or null when it cannot be read. */
function verdictOf(data: Buffer): ExchangeFileDetail['ackVerdict'] {
  const first = data.toString('utf8').split('\n', 1)[0] ?? '';
  try {
    const line = JSON.parse(first) as Record<string, unknown>;
    if (typeof line.statut !== 'string') return null;
    return { statut: line.statut, code: typeof line.code === 'string' ? line.code : null, message: typeof line.message === 'string' ? line.message : null };
  } catch {
    return null;
  }
}

/**
 * The « Échanges » page (docs/echanges): the files exchanged with Action Logement both ways, each
 * flow's state, the records the funder refused. The association reads it (auditors too) and acts
 * on it: a rejected record is put back to leave again, under the same id, in the next file of its
 * flow (audited); a download is a read trace (an ORIENTATIONS file names people).
 */
export class FunderExchanges {
  private readonly db: Knex;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;
  private readonly repository: ExchangesRepository;
  private readonly jobNames: () => readonly string[];
  private readonly outbound: Outbound;
  private readonly reportingSheet: (month: string) => Promise<Buffer>;
  private readonly currentRecord: CurrentRecord;

  constructor(deps: {
    db: Knex;
    blobs: BlobStore;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
    /** the sender of the outbound files (its delivery puts the files left « préparé » on the server) */
    outbound: Outbound;
    repository?: ExchangesRepository;
    /** the scheduled jobs (the root knows them): a flow's « Lancer maintenant » shows only for a job that exists */
    jobNames: () => readonly string[];
    /** a REPORTING month's figures as a spreadsheet for people (the same secrecy as the file) */
    reportingSheet: (month: string) => Promise<Buffer>;
    /**
     * A rejected record as its source says it now, for a resend after a correction: the record
     * rebuilt (same id), `null` when the source no longer yields it, `undefined` when the flow's
     * records are facts that leave again as they were (events, an issued invoice, the ledger).
     */
    currentRecord?: CurrentRecord;
  }) {
    this.db = deps.db;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
    this.outbound = deps.outbound;
    this.repository = deps.repository ?? new ExchangesRepository();
    this.jobNames = deps.jobNames;
    this.reportingSheet = deps.reportingSheet;
    this.currentRecord = deps.currentRecord ?? (async () => undefined);
  }

  /** The files, newest first, 50 a page. */
  async files(actor: Actor, filter: { flow?: Flow; direction?: FileDirection; page?: number } = {}): Promise<Page<ExchangeFile>> {
    scopeFor(actor, 'exchanges:read');
    const page = Math.max(1, Math.floor(filter.page ?? 1));
    const { rows, total } = await this.repository.files(this.db, { flow: filter.flow, direction: filter.direction }, (page - 1) * PAGE_SIZE, PAGE_SIZE);
    return toPage(rows.map(toFile), total, page, PAGE_SIZE);
  }

  /** One file with its totals, manifest, acknowledgement and records. */
  async file(actor: Actor, id: string): Promise<ExchangeFileDetail> {
    scopeFor(actor, 'exchanges:read');
    const row = await this.findFile(id);
    const invoice = await this.repository.invoiceOf(this.db, row.id);
    const manifest = row.manifest_blob_id ? await this.blobs.get(this.db, row.manifest_blob_id) : null;
    const ack = row.ack_blob_id ? await this.blobs.get(this.db, row.ack_blob_id) : null;
    const counts = row.direction === 'out' ? await this.repository.recordCountsOfFile(this.db, row.id) : {};
    const rejected = row.direction === 'out' ? await this.repository.rejectedOfFile(this.db, row.id, 500) : [];
    const downloads: ExchangeFileDetail['downloads'] = [];
    if (row.data_blob_id) downloads.push({ part: 'donnees', label: 'Fichier de données', fileName: row.name });
    if (row.manifest_blob_id) downloads.push({ part: 'manifeste', label: 'Manifeste', fileName: manifestName(row.name) });
    if (row.ack_blob_id)
      downloads.push({
        part: 'accuse',
        label: row.direction === 'in' ? 'Accusé de réception d’Entraide' : 'Accusé de réception d’Action Logement',
        fileName: acknowledgementName(row.name),
      });
    if (invoice) downloads.push({ part: 'facture', label: `Facture ${invoice.number}`, fileName: `facture-${invoice.number}.pdf` });
    if (row.flow === 'REPORTING' && row.period_start)
      downloads.push({ part: 'tableur', label: 'Indicateurs du mois (tableur)', fileName: sheetName(row.period_start) });
    return {
      ...toFile(row),
      sha256: row.sha256,
      // in the order of the labels (jsonb keeps its keys by length), unknown keys last
      totals: Object.entries(row.totals ?? {})
        .map(([key, value]) => ({ key, label: (TOTAL_LABELS as Record<string, string>)[key] ?? key, value: Number(value), money: key.endsWith('_centimes') }))
        .sort((a, b) => totalRank(a.key) - totalRank(b.key) || a.key.localeCompare(b.key)),
      ackStatus: row.ack_status,
      ackSentAt: row.ack_sent_at,
      manifest: manifest ? manifest.data.toString('utf8') : null,
      ackVerdict: ack ? verdictOf(ack.data) : null,
      downloads,
      invoiceNumber: invoice?.number ?? null,
      recordCounts: (Object.keys(RECORD_STATUS_LABELS) as RecordStatus[]).filter((s) => counts[s]).map((status) => ({ status, n: counts[status] as number })),
      rejectedRecords: rejected.map((r: FunderRecordRow) => ({
        id: r.id,
        recordId: r.record_id,
        orientationAsd: r.orientation_asd,
        code: r.code,
        message: r.message,
      })),
    };
  }

  /** A part of a file to download; each download leaves a read trace. */
  async download(actor: Actor, fileId: string, part: FilePart): Promise<{ fileName: string; contentType: string; data: Buffer }> {
    scopeFor(actor, 'exchanges:read');
    const row = await this.findFile(fileId);
    let target: { blobId: string | null; fileName: string } | null = null;
    if (part === 'donnees') target = { blobId: row.data_blob_id, fileName: row.name };
    else if (part === 'manifeste') target = { blobId: row.manifest_blob_id, fileName: manifestName(row.name) };
    else if (part === 'accuse') target = { blobId: row.ack_blob_id, fileName: acknowledgementName(row.name) };
    else if (part === 'facture') {
      const invoice = await this.repository.invoiceOf(this.db, row.id);
      target = invoice ? { blobId: invoice.pdfBlobId, fileName: `facture-${invoice.number}.pdf` } : null;
    }
    if (part === 'tableur') {
      if (row.flow !== 'REPORTING' || !row.period_start) throw new NotFoundError();
      const month = row.period_start.slice(0, 7);
      const data = await this.reportingSheet(month);
      await this.trace(actor, row.id, part);
      return { fileName: sheetName(row.period_start), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data };
    }
    const blob = target?.blobId ? await this.blobs.get(this.db, target.blobId) : null;
    if (!target || !blob) throw new NotFoundError();
    await this.trace(actor, row.id, part);
    return { fileName: target.fileName, contentType: blob.contentType, data: blob.data };
  }

  private async trace(actor: Actor, fileId: string, _part: FilePart): Promise<void> {
    await this.accessLog.read(actor, { action: 'funder_file.download', entityType: 'funder_file', entityId: fileId });
  }

  /** The records the funder refused, newest first, each with where to correct it. */
  async rejectedRecords(actor: Actor, limit = 200): Promise<{ records: RejectedRecord[]; total: number }> {
    scopeFor(actor, 'exchanges:read');
    const { rows, total } = await this.repository.rejected(this.db, limit);
    return {
      total,
      records: rows.map((r) => ({
        id: r.id,
        flow: r.flow,
        recordId: r.record_id,
        orientationAsd: r.orientation_asd,
        code: r.code,
        message: r.message,
        fileId: r.file_id,
        fileName: r.file_name,
        sendings: r.sendings,
        updatedAt: r.updated_at,
        source: sourceOf(r),
      })),
    };
  }

  /**
   * A rejected record put back `a_envoyer`: it leaves again, under the same id, in the next file of
   * its flow — rebuilt from its source where the flow's records can be (REPORTING: the cell's
   * figures as they are now, after the correction), else as it was sent.
   */
  async resend(actor: Actor, recordId: string): Promise<{ recordId: string; flow: Flow; rebuilt: boolean }> {
    scopeFor(actor, 'exchanges:manage');
    if (!isUuid(recordId)) throw new NotFoundError();
    return this.db.transaction(async (trx) => {
      const record = await this.repository.recordForUpdate(trx, recordId);
      if (!record) throw new NotFoundError();
      if (record.status !== 'rejete')
        throw new ConflictError(
          `L’enregistrement ${record.record_id} n’est pas rejeté (il est « ${RECORD_STATUS_LABELS[record.status]} ») : il n’y a rien à renvoyer.`,
        );
      const current = await this.currentRecord(trx, record.flow, record.payload);
      if (current === null)
        throw new ConflictError(
          `L’enregistrement ${record.record_id} ne peut pas repartir sous le même identifiant : sa case n’existe plus après la correction (un SIREN ou un département corrigé la déplace). Le mois entier doit repartir dans un nouveau fichier : l’équipe technique lance « npm run cli -- funder:reporting --month ${String(record.payload.mois)} --force » (docs/echanges/reporting.md).`,
        );
      const rebuilt = current !== undefined && JSON.stringify(current) !== JSON.stringify(record.payload);
      await this.repository.putBackToSend(trx, record.id, this.clock.now(), rebuilt ? current : undefined);
      await this.audit.record(trx, actor, {
        entityType: 'funder_record',
        entityId: record.id,
        organisationId: null,
        action: 'resend',
        before: { status: record.status, code: record.code, message: record.message, ...(rebuilt ? { payload: record.payload } : {}) },
        after: {
          status: 'a_envoyer',
          code: record.code,
          message: record.message,
          flow: record.flow,
          record_id: record.record_id,
          rebuilt,
          ...(rebuilt ? { payload: current } : {}),
        },
      });
      return { recordId: record.record_id, flow: record.flow, rebuilt };
    });
  }

  /** Deposits again the files left waiting (« préparé », « à redéposer »): what the quarter-hourly job does, now. */
  async deliver(
    actor: Actor,
  ): Promise<{ delivered: number; waiting: Array<{ file: string; problem: string | null }>; failed: Array<{ file: string; problem: string | null }> }> {
    scopeFor(actor, 'exchanges:manage');
    const deliveries = await this.outbound.deliver();
    const pick = (status: Delivery['status']) => deliveries.filter((d) => d.status === status).map((d) => ({ file: d.file, problem: d.problem }));
    return { delivered: pick('depose').length, waiting: pick('prepare'), failed: pick('en_echec') };
  }

  /** Each flow's state: its last file, the files waiting to be deposited or failed, the records refused; the files left without acknowledgement. */
  async summary(actor: Actor): Promise<ExchangesSummary> {
    scopeFor(actor, 'exchanges:read');
    const [last, counts, rejected, unacknowledged] = [
      await this.repository.lastFileOfEachFlow(this.db),
      await this.repository.fileCounts(this.db),
      await this.repository.rejectedCountByFlow(this.db),
      await this.repository.unacknowledgedSince(this.db, new Date(this.clock.now().getTime() - ACK_OVERDUE_HOURS * 3_600_000)),
    ];
    const count = (flow: Flow, status: string) => counts.find((c) => c.flow === flow && c.status === status)?.n ?? 0;
    const jobs = new Set(this.jobNames());
    const flows = FLOWS.map((flow) => {
      const lastFile = last.find((f) => f.flow === flow);
      return {
        flow,
        direction: flow === 'ORIENTATIONS' ? ('in' as const) : ('out' as const),
        job: jobs.has(FLOW_JOBS[flow]) ? FLOW_JOBS[flow] : '',
        lastFile: lastFile ? toFile(lastFile) : null,
        pending: count(flow, 'prepare'),
        failed: count(flow, 'en_echec'),
        rejectedRecords: rejected.get(flow) ?? 0,
      };
    });
    return { flows, pending: flows.reduce((n, f) => n + f.pending, 0), unacknowledged: unacknowledged.map(toFile) };
  }

  /** The words of a flow (for messages). */
  static flowLabel(flow: Flow): string {
    return FLOW_LABELS[flow];
  }

  private async findFile(id: string): Promise<FunderFileRow> {
    const row = isUuid(id) ? await this.repository.file(this.db, id) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }
}

/** Builds the page's service (src/services.ts wires it as `funderExchanges`). */
type StoredPayload = StoredRecordRow['payload'];

/** See `currentRecord` in FunderExchanges' dependencies. */
export type CurrentRecord = (db: Db, flow: Flow, payload: StoredPayload) => Promise<StoredPayload | null | undefined>;

export function createFunderExchanges(deps: ConstructorParameters<typeof FunderExchanges>[0]): FunderExchanges {
  return new FunderExchanges(deps);
}
