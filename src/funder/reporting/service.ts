import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { parisDate } from '../../shared/dates';
import type { Delivery, OutboundSender, PreparedFile } from '../outbound/sender';
import { INDICATORS, isMonth, monthBounds, previousMonth, type ReportingRecord, toRecord, totalsOf } from './records';
import { ReportingRepository } from './repository';

export interface MonthSending {
  month: string;
  /** prepare: a file was made for the month now; deja_envoye: one existed, nothing new was made; vide: nothing happened that month, no file */
  status: 'prepare' | 'deja_envoye' | 'vide';
  /** the month's file: the one just made, or the one made before ('' for an empty month) */
  file: string;
  /** records of the file made now, and how many of them are secret (0 and 0 when none was made) */
  records: number;
  secret: number;
  prepared: PreparedFile | null;
  /** what the delivery after the commit did (every prepared file of every flow leaves then) */
  deliveries: Delivery[];
}

/** French headers of the XLSX, one per record field, in the file's order. */
const COLUMNS: ReadonlyArray<{ field: keyof ReportingRecord; header: string; format: 'text' | 'integer' | 'euros' | 'decimal' }> = [
  { field: 'id', header: 'Identifiant', format: 'text' },
  { field: 'mois', header: 'Mois', format: 'text' },
  { field: 'nature', header: 'Nature', format: 'text' },
  { field: 'code', header: 'Code de l’aide ou de l’accompagnement', format: 'text' },
  { field: 'bailleur_siren', header: 'SIREN du bailleur', format: 'text' },
  { field: 'departement', header: 'Département', format: 'text' },
  { field: 'secret', header: 'Secret statistique', format: 'text' },
  { field: 'demandes_recues', header: 'Demandes reçues', format: 'integer' },
  { field: 'demandes_decidees', header: 'Demandes décidées', format: 'integer' },
  { field: 'accords', header: 'Accords', format: 'integer' },
  { field: 'refus', header: 'Refus', format: 'integer' },
  { field: 'ajournements', header: 'Ajournements', format: 'integer' },
  { field: 'montant_accorde_centimes', header: 'Montant accordé (€)', format: 'euros' },
  { field: 'montant_verse_centimes', header: 'Montant versé (€)', format: 'euros' },
  { field: 'menages_aides', header: 'Ménages aidés', format: 'integer' },
  { field: 'delai_median_decision_jours', header: 'Délai médian de décision (jours)', format: 'decimal' },
  { field: 'delai_median_premier_versement_jours', header: 'Délai médian du premier versement (jours)', format: 'decimal' },
  { field: 'missions_ouvertes', header: 'Accompagnements ouverts', format: 'integer' },
  { field: 'missions_terminees', header: 'Accompagnements terminés', format: 'integer' },
  { field: 'heures_accompagnement', header: 'Heures d’accompagnement', format: 'decimal' },
];
/** What a hidden figure reads in the XLSX. */
export const SECRET_CELL = 'secret';
const NATURE_LABELS = { aide: 'Aide', accompagnement: 'Accompagnement' } as const;
const NUMBER_FORMATS = { text: undefined, integer: '0', euros: '#,##0.00 "€"', decimal: '0.0#' } as const;

/**
 * The monthly REPORTING flow to Action Logement (docs/echanges/reporting.md): the management-control
 * indicators of a month per (aid or mission type, landlord, département), computed by PostgreSQL
 * over the whole base, small cells hidden (statistical secrecy), one file per month — made once,
 * again only when a re-run is forced (same record ids, new file name) — and the same figures as a
 * spreadsheet for the association.
 */
export class FunderReporting {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly outbound: OutboundSender;
  private readonly repository: ReportingRepository;

  constructor(deps: { db: Knex; clock: Clock; outbound: OutboundSender; repository?: ReportingRepository }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.outbound = deps.outbound;
    this.repository = deps.repository ?? new ReportingRepository();
  }

  /** The month the job reports: the previous one, in Paris. */
  defaultMonth(): string {
    return previousMonth(this.clock.now());
  }

  /** The records of a month, as they leave (secret cells already hidden). */
  async indicators(month: string, db: Knex | Knex.Transaction = this.db): Promise<ReportingRecord[]> {
    const cells = await this.repository.cells(db, monthBounds(month));
    return cells.map((cell) => toRecord(month, cell));
  }

  /**
   * Makes the month's file once: under a transaction-scoped advisory lock, the month is checked
   * again and, when no file exists for it (or `force`), the records are computed and the file
   * prepared in the same transaction; after the commit every prepared file is delivered.
   */
  async sendMonth(month: string = this.defaultMonth(), options: { force?: boolean } = {}): Promise<MonthSending> {
    if (!isMonth(month)) throw new RangeError(`mois invalide : ${month} (attendu AAAA-MM)`);
    if (month >= parisDate(this.clock.now()).slice(0, 7))
      throw new RangeError(`le mois ${month} n’est pas terminé : il s’envoie à partir du 1er du mois suivant`);
    const bounds = monthBounds(month);
    const outcome = await this.db.transaction(async (trx) => {
      await this.repository.lockMonths(trx);
      const existing = await this.repository.fileOfMonth(trx, bounds.periodStart);
      if (existing && !options.force) return { status: 'deja_envoye' as const, file: existing.name, records: 0, secret: 0, prepared: null };
      const records = await this.indicators(month, trx);
      // a month without a request, payment or mission: no file (an empty one cannot be stored), no sequence number used
      if (records.length === 0) return { status: 'vide' as const, file: '', records: 0, secret: 0, prepared: null };
      const prepared = await this.outbound.prepare(trx, {
        flow: 'REPORTING',
        periodStart: bounds.periodStart,
        periodEnd: bounds.periodEnd,
        records,
        totals: totalsOf(records),
      });
      return { status: 'prepare' as const, file: prepared.file, records: records.length, secret: records.filter((r) => r.secret).length, prepared };
    });
    const deliveries = await this.outbound.deliver();
    return { month, ...outcome, deliveries };
  }

  /** The month's records as a spreadsheet with French headers; a secret record's figures read « secret ». */
  async xlsx(month: string): Promise<Buffer> {
    const records = await this.indicators(month);
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet(`Reporting ${month}`);
    sheet.columns = COLUMNS.map((c) => ({
      header: c.header,
      key: c.field,
      width: c.format === 'text' ? 22 : 16,
      style: NUMBER_FORMATS[c.format] ? { numFmt: NUMBER_FORMATS[c.format] } : {},
    }));
    sheet.getRow(1).font = { bold: true };
    const hidden = new Set<string>(INDICATORS);
    for (const record of records) {
      sheet.addRow(
        COLUMNS.map(({ field, format }) => {
          const value = record[field];
          if (record.secret && hidden.has(field)) return SECRET_CELL;
          if (field === 'secret') return record.secret ? 'oui' : 'non';
          if (field === 'nature') return NATURE_LABELS[record.nature];
          if (value === null) return null;
          return format === 'euros' ? (value as number) / 100 : (value as string | number);
        }),
      );
    }
    return Buffer.from(await book.xlsx.writeBuffer());
  }
}
