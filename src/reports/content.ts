import type { Letterhead } from '../shared/pdf';
import { DELAY_BUCKETS, type Figure } from '../statistics/figures';
import type { AidRow, MissionRow, StatisticsView } from '../statistics/service';

/**
 * What a monthly report says, built once from the statistics' figures (with their secrecy) and
 * written twice: as a PDF (charts, each with its table) and as an XLSX (the same tables).
 */
export interface ReportTable {
  title: string;
  /** the first column's header (what a row is), then one header per figure */
  columns: string[];
  rows: Array<{ label: string; cells: Figure[] }>;
  note?: string;
}

/** A bar chart: categories down the side, one bar per series; its table is the same figures. */
export interface ReportChart {
  title: string;
  unit: 'count' | 'euros';
  categories: string[];
  series: Array<{ name: string; values: Figure[] }>;
}

export interface ReportContent {
  month: string;
  /** « octobre 2026 » */
  monthLabel: string;
  audience: 'landlord' | 'association';
  /** the landlord's name, or « Toute l’association » */
  scopeLabel: string;
  letterhead: Letterhead;
  /** when the statistics' aggregates were last brought up to date */
  updatedAt: Date | null;
  headline: ReportTable;
  missionHeadline: ReportTable;
  charts: ReportChart[];
  tables: ReportTable[];
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
export const longMonthLabel = (month: string): string => `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;

/** A delay bucket's count (null: 1 to 4, secret) as a figure. */
const NONE: Figure = { kind: 'count', value: null, secret: false, text: '—' };
const bucketFigure = (n: number | null): Figure =>
  n === null ? { kind: 'count', value: null, secret: true, text: '< 5' } : { kind: 'count', value: n, secret: false, text: n.toLocaleString('fr-FR') };

const AID_COLUMNS: ReadonlyArray<[string, (r: AidRow) => Figure]> = [
  ['Reçues', (r) => r.received],
  ['Décidées', (r) => r.decided],
  ['Accords', (r) => r.granted],
  ['Refus', (r) => r.refused],
  ['Taux d’accord', (r) => r.grantRate],
  ['Montant accordé', (r) => r.grantedAmount],
  ['Montant versé', (r) => r.paid],
  ['Ménages aidés', (r) => r.households],
];
const MISSION_COLUMNS: ReadonlyArray<[string, (r: MissionRow) => Figure]> = [
  ['Ouverts', (r) => r.opened],
  ['Terminés', (r) => r.completed],
  ['Interrompus', (r) => r.interrupted],
  ['Heures', (r) => r.hours],
  ['Objectifs atteints', (r) => r.objectivesRate],
  ['Ménages', (r) => r.households],
];

const aidTable = (title: string, first: string, rows: readonly AidRow[]): ReportTable => ({
  title,
  columns: [first, ...AID_COLUMNS.map(([h]) => h)],
  rows: rows.map((r) => ({ label: r.label, cells: AID_COLUMNS.map(([, pick]) => pick(r)) })),
});
const missionTable = (title: string, first: string, rows: readonly MissionRow[]): ReportTable => ({
  title,
  columns: [first, ...MISSION_COLUMNS.map(([h]) => h)],
  rows: rows.map((r) => ({ label: r.label, cells: MISSION_COLUMNS.map(([, pick]) => pick(r)) })),
});

/** A chart's figures as a table: one row per category, one column per series. */
export const chartTable = (c: ReportChart): ReportTable => ({
  title: c.title,
  columns: ['', ...c.series.map((s) => s.name)],
  rows: c.categories.map((label, i) => ({ label, cells: c.series.map((s) => s.values[i]!) })),
});

/**
 * The report of a month from two views of the same reach: the month itself (beside the same month
 * a year before, and for a landlord the association's average per member landlord) and the twelve
 * months up to it (the charts' trend).
 */
export function reportContent(input: {
  month: string;
  scopeLabel: string;
  letterhead: Letterhead;
  view: StatisticsView;
  trend: StatisticsView;
}): ReportContent {
  const { view, trend } = input;
  const audience = view.audience === 'landlord' ? 'landlord' : 'association';
  const landlord = audience === 'landlord';
  const headlineColumns = [
    'Indicateur',
    longMonthLabel(input.month),
    longMonthLabel(view.comparison?.from ?? input.month),
    ...(landlord ? ['Moyenne par bailleur'] : []),
  ];
  const headlineRows = (lines: StatisticsView['missions']['headline']) =>
    lines.map((h) => ({
      label: h.label,
      cells: [h.value, h.previous ?? NONE, ...(landlord ? [h.average ?? NONE] : [])],
    }));
  const aid = view.aid;
  const trendAid = trend.aid?.byMonth ?? [];
  const months = trendAid.map((r) => r.label);
  const charts: ReportChart[] = [
    {
      title: 'Demandes reçues, décidées et accordées — 12 derniers mois',
      unit: 'count',
      categories: months,
      series: [
        { name: 'Reçues', values: trendAid.map((r) => r.received) },
        { name: 'Décidées', values: trendAid.map((r) => r.decided) },
        { name: 'Accordées', values: trendAid.map((r) => r.granted) },
      ],
    },
    {
      title: 'Montants accordés et versés — 12 derniers mois',
      unit: 'euros',
      categories: months,
      series: [
        { name: 'Accordé', values: trendAid.map((r) => r.grantedAmount) },
        { name: 'Versé', values: trendAid.map((r) => r.paid) },
      ],
    },
    {
      title: `Demandes reçues et accordées par aide — ${longMonthLabel(input.month)}`,
      unit: 'count',
      categories: (aid?.byAidType ?? []).map((r) => r.label),
      series: [
        { name: 'Reçues', values: (aid?.byAidType ?? []).map((r) => r.received) },
        { name: 'Accordées', values: (aid?.byAidType ?? []).map((r) => r.granted) },
      ],
    },
    {
      title: `Délais du dépôt à la décision — décisions de ${longMonthLabel(input.month)}`,
      unit: 'count',
      categories: DELAY_BUCKETS.map((b) => b.label),
      series: [{ name: 'Décisions', values: (aid?.decisionDelayBuckets ?? DELAY_BUCKETS.map(() => 0)).map(bucketFigure) }],
    },
    {
      title: 'Accompagnements ouverts et terminés — 12 derniers mois',
      unit: 'count',
      categories: trend.missions.byMonth.map((r) => r.label),
      series: [
        { name: 'Ouverts', values: trend.missions.byMonth.map((r) => r.opened) },
        { name: 'Terminés', values: trend.missions.byMonth.map((r) => r.completed) },
      ],
    },
  ];
  const tables: ReportTable[] = [
    aidTable('Demandes par aide', 'Aide', aid?.byAidType ?? []),
    ...(aid?.byLandlord ? [aidTable('Demandes par bailleur', 'Bailleur', aid.byLandlord)] : []),
    aidTable('Demandes par département du logement', 'Département', aid?.byDepartement ?? []),
    aidTable('Demandes par cause de la difficulté', 'Cause', aid?.byCause ?? []),
    aidTable('Demandes par composition du ménage', 'Composition', aid?.byComposition ?? []),
    {
      title: 'Délais (jours calendaires)',
      columns: ['Délai', 'Médiane', '90e centile', 'Mesurés'],
      rows: (aid?.delays ?? []).map((d) => ({ label: d.label, cells: [d.median, d.p90, d.measured] })),
    },
    missionTable('Accompagnements par type', 'Type', view.missions.byMissionType),
  ];
  return {
    month: input.month,
    monthLabel: longMonthLabel(input.month),
    audience,
    scopeLabel: input.scopeLabel,
    letterhead: input.letterhead,
    updatedAt: view.updatedAt,
    headline: { title: 'Demandes d’aide', columns: headlineColumns, rows: headlineRows(aid?.headline ?? []) },
    missionHeadline: {
      title: 'Accompagnements',
      columns: headlineColumns.slice(0, 3),
      rows: headlineRows(view.missions.headline).map((r) => ({ ...r, cells: r.cells.slice(0, 2) })),
    },
    charts,
    tables,
  };
}
