import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { CAUSES } from '../aid-requests/filing/schemas';
import { REFUSAL_REASONS } from '../aid-requests/instruction/schemas';
import { STATUS_LABELS as REQUEST_STATUS_LABELS } from '../aid-requests/state-machine';
import type { AuditService } from '../audit/service';
import { MISSION_STATUS_LABELS } from '../missions/state-machine';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { safeCell } from '../shared/csv';
import { addMonths, parisDateTime } from '../shared/dates';
import { ValidationError } from '../shared/errors';
import { formatDateTime } from '../shared/format';
import { type ExtractAggregateRow, type ExtractBounds, type ExtractMissionRow, ExtractRepository, type ExtractRequestRow } from './extract-repository';

/** The longest period one extract covers, in months. */
export const MAX_EXTRACT_MONTHS = 24;
/** Below this many distinct households, a figure of the aggregate sheet reads SECRET (statistical secrecy). */
export const SECRECY_THRESHOLD = 5;
export const SECRET = '< 5';
/** Hex characters kept of each keyed hash (64 bits: no collision expected below billions of ids). */
const PSEUDONYM_LENGTH = 16;
const KEY_BYTES = 32;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface ExtractInput {
  /** first month, AAAA-MM */
  from: string;
  /** last month (included), AAAA-MM */
  to: string;
  /** a 32-byte key given on purpose, so that two extracts made with it can be joined; otherwise a random one, never kept */
  key?: Buffer;
}

export interface Extract {
  fileName: string;
  data: Buffer;
  requests: number;
  missions: number;
}

type Format = 'text' | 'integer' | 'euros' | 'date' | 'decimal';
type Cell = string | number | null;
type Pseudonym = (kind: 'personne' | 'menage' | 'demande' | 'accompagnement', id: string) => string;

interface Column<T> {
  header: string;
  format: Format;
  /** what the column holds, for the « Lisez-moi » sheet */
  meaning: string;
  value: (row: T, pseudonym: Pseudonym) => Cell;
}

const NUMBER_FORMATS: Record<Format, string | undefined> = { text: undefined, integer: '0', euros: '#,##0.00 "€"', date: 'dd/mm/yyyy', decimal: '0.0#' };
const euros = (cents: number | null): number | null => (cents === null ? null : cents / 100);
const hours = (minutes: number): number => Math.round((minutes / 60) * 100) / 100;

const REQUEST_COLUMNS: ReadonlyArray<Column<ExtractRequestRow>> = [
  {
    header: 'Demande (pseudonyme)',
    format: 'text',
    meaning: 'La demande, par un identifiant pseudonymisé (ni sa référence ni son identifiant interne)',
    value: (r, p) => p('demande', r.id),
  },
  {
    header: 'Ménage (pseudonyme)',
    format: 'text',
    meaning: 'Le ménage, par un identifiant pseudonymisé : le même pour toutes ses demandes et missions de l’extraction',
    value: (r, p) => p('menage', r.householdId),
  },
  {
    header: 'Titulaire (pseudonyme)',
    format: 'text',
    meaning: 'La personne pour qui la demande est faite (premier membre de la situation déposée), par un identifiant pseudonymisé',
    value: (r, p) => (r.holderId ? p('personne', r.holderId) : null),
  },
  { header: 'Année de naissance du titulaire', format: 'integer', meaning: 'L’année seule (ni le jour ni le mois)', value: (r) => r.holderBirthYear },
  {
    header: 'Département',
    format: 'text',
    meaning: 'Département du logement, tiré du code postal (2A/2B pour la Corse, 971 à 976 outre-mer) ; ni adresse, ni commune',
    value: (r) => r.departement,
  },
  { header: 'Bailleur', format: 'text', meaning: 'Raison sociale du bailleur', value: (r) => r.landlordName },
  { header: 'SIREN du bailleur', format: 'text', meaning: 'SIREN du bailleur', value: (r) => r.landlordSiren },
  { header: 'Code de l’aide', format: 'text', meaning: 'Code du type d’aide demandé', value: (r) => r.aidCode },
  { header: 'Statut', format: 'text', meaning: 'Code du statut de la demande au moment de l’extraction (voir « Codes » plus bas)', value: (r) => r.status },
  {
    header: 'Date de dépôt',
    format: 'date',
    meaning: 'Jour du dépôt (heure de Paris) : c’est lui qui place la demande dans la période',
    value: (r) => r.submittedOn,
  },
  {
    header: 'Date de demande d’informations',
    format: 'date',
    meaning: 'Jour de la dernière demande d’informations au bailleur',
    value: (r) => r.informationRequestedOn,
  },
  { header: 'Date de réponse aux informations', format: 'date', meaning: 'Jour de la réponse du bailleur', value: (r) => r.informationAnsweredOn },
  { header: 'Date de décision', format: 'date', meaning: 'Jour de la décision', value: (r) => r.decidedOn },
  {
    header: 'Décision',
    format: 'text',
    meaning: 'Code de la dernière décision appliquée : grant (accord), refuse (refus), adjourn (ajournement)',
    value: (r) => r.decisionKind,
  },
  { header: 'Motif de refus', format: 'text', meaning: 'Code du motif de refus (jamais le commentaire)', value: (r) => r.refusalReason },
  { header: 'Cause de la difficulté', format: 'text', meaning: 'Code de la cause déclarée (jamais le commentaire)', value: (r) => r.cause },
  { header: 'Membres du ménage', format: 'integer', meaning: 'Nombre de membres de la situation déposée', value: (r) => r.members },
  {
    header: 'Dont mineurs',
    format: 'integer',
    meaning: 'Membres de moins de 18 ans au jour du dépôt (vide si une date de naissance manque)',
    value: (r) => r.minors,
  },
  { header: 'Loyer (€)', format: 'euros', meaning: 'Loyer mensuel déclaré', value: (r) => euros(r.rentCents) },
  { header: 'Charges (€)', format: 'euros', meaning: 'Charges mensuelles déclarées', value: (r) => euros(r.chargesCents) },
  { header: 'Aide au logement (€)', format: 'euros', meaning: 'Aide au logement mensuelle déclarée', value: (r) => euros(r.housingAllowanceCents) },
  { header: 'Ressources du ménage (€)', format: 'euros', meaning: 'Ressources mensuelles de tous les membres', value: (r) => euros(r.resourcesCents) },
  { header: 'Dette de loyer (€)', format: 'euros', meaning: 'Impayés déclarés', value: (r) => euros(r.arrearsCents) },
  { header: 'Mois d’impayés', format: 'integer', meaning: 'Nombre de mois d’impayés déclarés', value: (r) => r.arrearsMonths },
  { header: 'Montant demandé (€)', format: 'euros', meaning: 'Montant demandé', value: (r) => euros(r.requestedCents) },
  { header: 'Mensualités demandées', format: 'integer', meaning: 'Nombre de mensualités demandées', value: (r) => r.requestedMonths },
  { header: 'Montant accordé (€)', format: 'euros', meaning: 'Montant accordé', value: (r) => euros(r.grantedCents) },
  {
    header: 'Montant versé (€)',
    format: 'euros',
    meaning: 'Virements transmis à la banque ou payés, au moment de l’extraction',
    value: (r) => euros(r.paidCents),
  },
];

const MISSION_COLUMNS: ReadonlyArray<Column<ExtractMissionRow>> = [
  {
    header: 'Accompagnement (pseudonyme)',
    format: 'text',
    meaning: 'La mission, par un identifiant pseudonymisé (ni sa référence ni son identifiant interne)',
    value: (m, p) => p('accompagnement', m.id),
  },
  {
    header: 'Ménage (pseudonyme)',
    format: 'text',
    meaning: 'Le ménage, par le même identifiant pseudonymisé que dans « Demandes »',
    value: (m, p) => p('menage', m.householdId),
  },
  {
    header: 'Demande liée (pseudonyme)',
    format: 'text',
    meaning: 'La demande à l’origine de la mission, par le même identifiant que dans « Demandes » (quand elle est dans la période)',
    value: (m, p) => (m.requestId ? p('demande', m.requestId) : null),
  },
  { header: 'Département', format: 'text', meaning: 'Département du logement, tiré du code postal', value: (m) => m.departement },
  { header: 'Bailleur', format: 'text', meaning: 'Raison sociale du bailleur', value: (m) => m.landlordName },
  { header: 'SIREN du bailleur', format: 'text', meaning: 'SIREN du bailleur', value: (m) => m.landlordSiren },
  { header: 'Code de l’accompagnement', format: 'text', meaning: 'Code du type d’accompagnement', value: (m) => m.missionCode },
  { header: 'Origine', format: 'text', meaning: 'association (commandée par l’association) ou landlord (demandée par le bailleur)', value: (m) => m.origin },
  { header: 'Statut', format: 'text', meaning: 'Code du statut de la mission au moment de l’extraction (voir « Codes » plus bas)', value: (m) => m.status },
  {
    header: 'Date de commande',
    format: 'date',
    meaning: 'Jour de la commande (heure de Paris) : c’est lui qui place la mission dans la période',
    value: (m) => m.orderedOn,
  },
  { header: 'Date d’accord du ménage', format: 'date', meaning: 'Jour où le ménage a accepté', value: (m) => m.acceptedOn },
  { header: 'Date de début', format: 'date', meaning: 'Jour du début de l’accompagnement', value: (m) => m.startedOn },
  { header: 'Date de fin', format: 'date', meaning: 'Jour de la fin (terminée ou interrompue)', value: (m) => m.endedOn },
  { header: 'Durée prévue (heures)', format: 'decimal', meaning: 'Durée prévue à la commande', value: (m) => hours(m.plannedMinutes) },
  { header: 'Séances', format: 'integer', meaning: 'Nombre de séances tenues (jamais leur compte rendu)', value: (m) => m.sessions },
  { header: 'Durée des séances (heures)', format: 'decimal', meaning: 'Total des durées des séances', value: (m) => hours(m.sessionMinutes) },
  { header: 'Objectifs', format: 'integer', meaning: 'Nombre d’objectifs fixés (jamais leur texte)', value: (m) => m.objectives },
  { header: 'Objectifs atteints', format: 'integer', meaning: 'Objectifs atteints', value: (m) => m.objectivesReached },
  { header: 'Objectifs partiellement atteints', format: 'integer', meaning: 'Objectifs partiellement atteints', value: (m) => m.objectivesPartly },
  { header: 'Objectifs non atteints', format: 'integer', meaning: 'Objectifs non atteints', value: (m) => m.objectivesNotReached },
  { header: 'Membres du ménage', format: 'integer', meaning: 'Membres du ménage au jour de la commande', value: (m) => m.members },
  { header: 'Dont mineurs', format: 'integer', meaning: 'Membres de moins de 18 ans au jour de la commande', value: (m) => m.minors },
];

/** A figure, or SECRET when fewer than SECRECY_THRESHOLD distinct households stand behind it (none: 0). */
const guarded = (value: number, households: number): Cell => (households > 0 && households < SECRECY_THRESHOLD ? SECRET : value);

const AGGREGATE_COLUMNS: ReadonlyArray<Column<ExtractAggregateRow>> = [
  { header: 'Mois', format: 'text', meaning: 'Mois du dépôt des demandes (AAAA-MM, heure de Paris)', value: (a) => a.month },
  { header: 'Code de l’aide', format: 'text', meaning: 'Code du type d’aide', value: (a) => a.aidCode },
  { header: 'Département', format: 'text', meaning: 'Département du logement', value: (a) => a.departement },
  { header: 'Demandes déposées', format: 'integer', meaning: 'Demandes déposées dans le mois', value: (a) => guarded(a.requests, a.households) },
  { header: 'Ménages', format: 'integer', meaning: 'Ménages distincts ayant déposé ces demandes', value: (a) => guarded(a.households, a.households) },
  {
    header: 'Accords',
    format: 'integer',
    meaning: 'Demandes de ces dépôts accordées à ce jour',
    value: (a) => (a.households < SECRECY_THRESHOLD ? SECRET : guarded(a.grants, a.grantedHouseholds)),
  },
  { header: 'Montant demandé (€)', format: 'euros', meaning: 'Total des montants demandés', value: (a) => guarded(a.requestedCents / 100, a.households) },
  {
    header: 'Montant accordé (€)',
    format: 'euros',
    meaning: 'Total des montants accordés à ce jour',
    value: (a) => (a.households < SECRECY_THRESHOLD ? SECRET : guarded(a.grantedCents / 100, a.grantedHouseholds)),
  },
];

const ORIGINS = { association: 'Commandée par l’association', landlord: 'Demandée par le bailleur' } as const;
const DECISIONS = { grant: 'Accord', refuse: 'Refus', adjourn: 'Ajournement' } as const;

/**
 * The pseudonymised extract of issue 16 (« Pilotage & Data »): the requests submitted and the
 * support missions ordered in a period of whole months, as an XLSX workbook for an administrator
 * or the auditor. Persons, households, requests and missions appear only as keyed hashes
 * (HMAC-SHA-256 under a key made for this extract and forgotten with it, unless the caller gives
 * one on purpose to join two extracts); a birth date is reduced to its year, an address to its
 * département; no name, contact, bank account, free text or document is read. The aggregate sheet
 * hides any figure that fewer than five households stand behind. The whole is read in one
 * repeatable-read transaction that also writes the audit line (who, period, counts, whether a key
 * was given — never the key).
 */
export class PseudonymisedExtract {
  private readonly db: Knex;
  private readonly clock: Clock;
  private readonly audit: AuditService;
  private readonly repository: ExtractRepository;

  constructor(deps: { db: Knex; clock: Clock; audit: AuditService; repository?: ExtractRepository }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.repository = deps.repository ?? new ExtractRepository();
  }

  async build(actor: Actor, input: ExtractInput): Promise<Extract> {
    scopeFor(actor, 'statistics:extract');
    const bounds = periodBounds(input);
    const callerKey = input.key !== undefined;
    const key = input.key ?? randomBytes(KEY_BYTES);
    const pseudonym: Pseudonym = (kind, id) => createHmac('sha256', key).update(`${kind}:${id}`).digest('hex').slice(0, PSEUDONYM_LENGTH);
    const now = this.clock.now();
    const fileName = `extraction-pseudonymisee-${input.from}-a-${input.to}.xlsx`;

    return this.db.transaction(
      async (trx) => {
        const chunks: Buffer[] = [];
        const sink = new PassThrough();
        sink.on('data', (chunk: Buffer) => chunks.push(chunk));
        const ended = new Promise<void>((resolve, reject) => {
          sink.once('end', () => resolve());
          sink.once('error', reject);
        });
        const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
        const requests = await writeSheet(book, 'Demandes', REQUEST_COLUMNS, this.repository.requests(trx, bounds), pseudonym);
        const missions = await writeSheet(book, 'Accompagnements', MISSION_COLUMNS, this.repository.missions(trx, bounds), pseudonym);
        const aggregates = await writeSheet(book, 'Agrégats', AGGREGATE_COLUMNS, once(await this.repository.aggregates(trx, bounds)), pseudonym);
        writeReadme(book, { from: input.from, to: input.to, generatedAt: now, callerKey, counts: { requests, missions, aggregates } });
        await book.commit();
        await ended;
        await this.audit.record(trx, actor, {
          entityType: 'statistics_extract',
          entityId: randomUUID(),
          organisationId: null,
          action: 'statistics.extracted',
          before: null,
          after: {
            from: input.from,
            to: input.to,
            fileName,
            generatedAt: now,
            rows: { demandes: requests, accompagnements: missions, agregats: aggregates },
            callerKey,
          },
        });
        return { fileName, data: Buffer.concat(chunks), requests, missions };
      },
      { isolationLevel: 'repeatable read' },
    );
  }
}

/** The period's instants, or a ValidationError with a French message per field. */
export function periodBounds(input: ExtractInput): ExtractBounds {
  const errors: Record<string, string> = {};
  const from = typeof input.from === 'string' ? MONTH.exec(input.from.trim()) : null;
  const to = typeof input.to === 'string' ? MONTH.exec(input.to.trim()) : null;
  if (!from) errors.from = 'Indiquez le premier mois au format AAAA-MM, par exemple 2026-01';
  if (!to) errors.to = 'Indiquez le dernier mois au format AAAA-MM, par exemple 2026-12';
  if (from && to) {
    const months = (Number(to[1]) - Number(from[1])) * 12 + (Number(to[2]) - Number(from[2])) + 1;
    if (months < 1) errors.to = 'Le dernier mois ne peut pas précéder le premier mois';
    else if (months > MAX_EXTRACT_MONTHS) errors.to = `La période ne peut pas dépasser ${MAX_EXTRACT_MONTHS} mois (elle en compte ${months})`;
  }
  if (input.key !== undefined && (!Buffer.isBuffer(input.key) || input.key.length !== KEY_BYTES))
    errors.key = `La clé doit compter ${KEY_BYTES} octets (${KEY_BYTES * 2} caractères hexadécimaux)`;
  if (Object.keys(errors).length > 0 || !from || !to) throw new ValidationError(errors);
  return {
    from: parisDateTime(`${from[0]}-01`, '00:00') as Date,
    to: parisDateTime(addMonths(`${to[0]}-01`, 1), '00:00') as Date,
  };
}

async function* once<T>(rows: T[]): AsyncGenerator<T[]> {
  yield rows;
}

/** A day "AAAA-MM-JJ" as the spreadsheet date of that day (exceljs reads a Date as UTC). */
const asDate = (day: string): Date => new Date(`${day}T00:00:00Z`);

function toCell(value: Cell, format: Format): string | number | Date | null {
  if (value === null) return null;
  if (format === 'date' && typeof value === 'string') return asDate(value);
  return typeof value === 'string' ? safeCell(value) : value;
}

async function writeSheet<T>(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: ReadonlyArray<Column<T>>,
  pages: AsyncIterable<T[]>,
  pseudonym: Pseudonym,
): Promise<number> {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => {
    const numFmt = NUMBER_FORMATS[c.format];
    return { header: c.header, width: c.format === 'text' ? 24 : 16, ...(numFmt ? { style: { numFmt } } : {}) };
  });
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let count = 0;
  for await (const page of pages) {
    for (const row of page) {
      sheet.addRow(columns.map((c) => toCell(c.value(row, pseudonym), c.format))).commit();
      count++;
    }
  }
  sheet.commit();
  return count;
}

function writeReadme(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  o: { from: string; to: string; generatedAt: Date; callerKey: boolean; counts: { requests: number; missions: number; aggregates: number } },
): void {
  const sheet = book.addWorksheet('Lisez-moi');
  sheet.columns = [
    { header: 'Rubrique', width: 36 },
    { header: 'Explication', width: 110 },
  ];
  sheet.getRow(1).font = { bold: true };
  const line = (topic: string, text: string) => sheet.addRow([safeCell(topic), safeCell(text)]).commit();
  sheet.getRow(1).commit();
  line('Période', `Demandes déposées et accompagnements commandés de ${o.from} à ${o.to} inclus (mois entiers, heure de Paris)`);
  line('Générée le', formatDateTime(o.generatedAt));
  line('Lignes', `Demandes : ${o.counts.requests} ; Accompagnements : ${o.counts.missions} ; Agrégats : ${o.counts.aggregates}`);
  line(
    'Pseudonymisation',
    'Les personnes, ménages, demandes et missions n’apparaissent que par un identifiant pseudonymisé : les 16 premiers caractères hexadécimaux d’un HMAC-SHA-256 de leur identifiant interne. Le même ménage porte le même identifiant dans toutes les feuilles de ce fichier.',
  );
  line(
    'Clé',
    o.callerKey
      ? 'La clé a été fournie par la personne qui a demandé l’extraction : les extractions faites avec la même clé peuvent être rapprochées entre elles. Elle n’est conservée nulle part par Entraide.'
      : 'La clé a été tirée au hasard pour cette seule extraction et n’a été conservée nulle part : ce fichier ne peut être rapproché d’aucune autre extraction.',
  );
  line(
    'Données écartées',
    'Aucun nom, aucune coordonnée (adresse, commune, code postal, téléphone, courriel), aucun IBAN, aucun texte libre (commentaires, motifs rédigés, notes, comptes rendus) ni aucun document. Date de naissance réduite à l’année, adresse au département.',
  );
  line(
    'Secret statistique',
    `Dans « Agrégats », un chiffre derrière lequel se trouvent moins de ${SECRECY_THRESHOLD} ménages distincts est remplacé par « ${SECRET} » ; quand toute la case compte moins de ${SECRECY_THRESHOLD} ménages, tous ses chiffres le sont.`,
  );
  line('Montants', 'En euros, tels qu’enregistrés (centimes exacts).');
  const describe = (sheetName: string, columns: ReadonlyArray<Column<never>>) => {
    for (const c of columns) line(`${sheetName} — ${c.header}`, c.meaning);
  };
  describe('Demandes', REQUEST_COLUMNS);
  describe('Accompagnements', MISSION_COLUMNS);
  describe('Agrégats', AGGREGATE_COLUMNS);
  const codes = (topic: string, labels: Readonly<Record<string, string>>) => {
    for (const [code, label] of Object.entries(labels)) line(`Codes — ${topic} — ${code}`, label);
  };
  codes('statut de la demande', REQUEST_STATUS_LABELS);
  codes('décision', DECISIONS);
  codes('motif de refus', REFUSAL_REASONS);
  codes('cause de la difficulté', CAUSES);
  codes('statut de l’accompagnement', MISSION_STATUS_LABELS);
  codes('origine de l’accompagnement', ORIGINS);
  sheet.commit();
}
