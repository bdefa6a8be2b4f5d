import { addMonths, parisDate, parisDateTime } from '../../shared/dates';
import type { MonthBounds, ReportingCell } from './repository';

/** Below this many households, a cell is secret (statistical secrecy, docs/echanges/reporting.md). */
export const SECRECY_THRESHOLD = 5;

/** One REPORTING record (docs/echanges/reporting.v1.schema.json). */
export type ReportingRecord = {
  id: string;
  mois: string;
  nature: 'aide' | 'accompagnement';
  code: string;
  bailleur_siren: string | null;
  departement: string;
  secret: boolean;
  demandes_recues: number | null;
  demandes_decidees: number | null;
  accords: number | null;
  refus: number | null;
  ajournements: number | null;
  montant_accorde_centimes: number | null;
  montant_verse_centimes: number | null;
  menages_aides: number | null;
  delai_median_decision_jours: number | null;
  delai_median_premier_versement_jours: number | null;
  missions_ouvertes: number | null;
  missions_terminees: number | null;
  heures_accompagnement: number | null;
  /** where a fund pays the aid type that month: consumed on the envelopes (transfers sent less returned) */
  enveloppe_consommee_centimes?: number | null;
};

/** The indicators a secret record hides: all of them (only its keys and `secret` remain). */
export const INDICATORS = [
  'demandes_recues',
  'demandes_decidees',
  'accords',
  'refus',
  'ajournements',
  'montant_accorde_centimes',
  'montant_verse_centimes',
  'menages_aides',
  'delai_median_decision_jours',
  'delai_median_premier_versement_jours',
  'missions_ouvertes',
  'missions_terminees',
  'heures_accompagnement',
] as const satisfies ReadonlyArray<keyof ReportingRecord>;

/** The manifest's control totals: sums over the published (non-secret) records, and how many records are secret. */
const TOTALLED = [
  'demandes_recues',
  'demandes_decidees',
  'accords',
  'refus',
  'ajournements',
  'montant_accorde_centimes',
  'montant_verse_centimes',
  'missions_ouvertes',
  'missions_terminees',
] as const;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isMonth = (month: string): boolean => MONTH.test(month);

/** The month before the one `now` falls in, in Paris: what the job of the 3rd reports. */
export const previousMonth = (now: Date): string => addMonths(`${parisDate(now).slice(0, 7)}-01`, -1).slice(0, 7);

/** A month's bounds: from its first Paris midnight to the next month's. */
export function monthBounds(month: string): MonthBounds & { periodStart: string; periodEnd: string } {
  if (!isMonth(month)) throw new RangeError(`mois invalide : ${month} (attendu AAAA-MM)`);
  const fromDate = `${month}-01`;
  const toDate = addMonths(fromDate, 1);
  const last = new Date(`${toDate}T00:00:00Z`);
  last.setUTCDate(0);
  return {
    from: parisDateTime(fromDate, '00:00') as Date,
    to: parisDateTime(toDate, '00:00') as Date,
    fromDate,
    toDate,
    periodStart: fromDate,
    periodEnd: last.toISOString().slice(0, 10),
  };
}

/** The record's id: the same cell has the same id each time its month is sent. */
export const recordId = (month: string, cell: Pick<ReportingCell, 'nature' | 'code' | 'siren' | 'departement'>): string =>
  `R-${month.replace('-', '')}-${cell.nature === 'aide' ? 'A' : 'M'}-${cell.code}-${cell.siren ?? 'SANS'}-${cell.departement}`;

/** A cell is secret when the households behind it, or the households aided, number 1 to 4. */
export const isSecret = (cell: Pick<ReportingCell, 'menagesConcernes' | 'menagesAides'>): boolean =>
  [cell.menagesConcernes, cell.menagesAides].some((n) => n > 0 && n < SECRECY_THRESHOLD);

/** A cell as the record that leaves: every indicator null when the cell is secret. */
export function toRecord(month: string, cell: ReportingCell): ReportingRecord {
  const secret = isSecret(cell);
  const shown = <T>(value: T): T | null => (secret ? null : value);
  return {
    id: recordId(month, cell),
    mois: month,
    nature: cell.nature,
    code: cell.code,
    bailleur_siren: cell.siren,
    departement: cell.departement,
    secret,
    demandes_recues: shown(cell.demandesRecues),
    demandes_decidees: shown(cell.demandesDecidees),
    accords: shown(cell.accords),
    refus: shown(cell.refus),
    ajournements: shown(cell.ajournements),
    montant_accorde_centimes: shown(cell.montantAccordeCentimes),
    montant_verse_centimes: shown(cell.montantVerseCentimes),
    menages_aides: shown(cell.menagesAides),
    delai_median_decision_jours: shown(cell.delaiMedianDecisionJours),
    delai_median_premier_versement_jours: shown(cell.delaiMedianPremierVersementJours),
    missions_ouvertes: shown(cell.missionsOuvertes),
    missions_terminees: shown(cell.missionsTerminees),
    heures_accompagnement: shown(Math.round((cell.minutesAccompagnement * 100) / 60) / 100),
    ...(cell.enveloppeConsommeeCentimes === null ? {} : { enveloppe_consommee_centimes: shown(cell.enveloppeConsommeeCentimes) }),
  };
}

/** The manifest's totals (integers): published figures only, so that a reader checks them against the file. */
export function totalsOf(records: readonly ReportingRecord[]): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(TOTALLED.map((field) => [field, 0]));
  for (const record of records) for (const field of TOTALLED) totals[field] = (totals[field] ?? 0) + (record[field] ?? 0);
  totals.enregistrements_secrets = records.filter((r) => r.secret).length;
  return totals;
}
