import { type Application, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { sendCsv, toAsync } from '../shared/csv';
import { parisDate } from '../shared/dates';
import { NotFoundError } from '../shared/errors';
import { sendXlsx, type XlsxCell } from '../shared/xlsx';
import { routes, urls } from '../urls';
import { barChartSvg, type ChartSeries } from './charts';
import { DELAY_BUCKETS, type Figure } from './figures';
import { type AidRow, type MissionRow, type StatisticsView, statisticsQuery } from './service';

/** The charts the page shows, each an <img> with its text alternative and its table beside. */
export const CHARTS = {
  'demandes.svg': 'Demandes reçues, décidées et accordées par mois',
  'decisions.svg': 'Décisions par mois : accords, refus, ajournements',
  'montants.svg': 'Montants accordés et versés par mois',
  'delais.svg': 'Délais du dépôt à la décision',
  'accompagnements.svg': 'Accompagnements ouverts et terminés par mois',
} as const;
type Chart = keyof typeof CHARTS;

const value = (f: Figure): number | null => (f.secret ? null : f.value);
const series = (name: string, rows: readonly AidRow[] | readonly MissionRow[], pick: (r: never) => Figure): ChartSeries => ({
  name,
  values: rows.map((r) => value(pick(r as never))),
});

function chartSvg(chart: Chart, v: StatisticsView): string {
  const title = CHARTS[chart];
  const aidMonths = v.aid?.byMonth ?? [];
  switch (chart) {
    case 'demandes.svg':
      return barChartSvg({
        title,
        unit: 'count',
        categories: aidMonths.map((r) => r.label),
        series: [
          series('Reçues', aidMonths, (r: AidRow) => r.received),
          series('Décidées', aidMonths, (r: AidRow) => r.decided),
          series('Accordées', aidMonths, (r: AidRow) => r.granted),
        ],
      });
    case 'decisions.svg':
      return barChartSvg({
        title,
        unit: 'count',
        stacked: true,
        categories: aidMonths.map((r) => r.label),
        series: [
          series('Accords', aidMonths, (r: AidRow) => r.granted),
          series('Refus', aidMonths, (r: AidRow) => r.refused),
          series('Ajournements', aidMonths, (r: AidRow) => r.adjourned),
        ],
      });
    case 'montants.svg':
      return barChartSvg({
        title,
        unit: 'euros',
        categories: aidMonths.map((r) => r.label),
        series: [series('Accordé', aidMonths, (r: AidRow) => r.grantedAmount), series('Versé', aidMonths, (r: AidRow) => r.paid)],
      });
    case 'delais.svg':
      return barChartSvg({
        title,
        unit: 'count',
        categories: DELAY_BUCKETS.map((b) => b.label),
        series: [{ name: 'Décisions', values: v.aid?.decisionDelayBuckets ?? DELAY_BUCKETS.map(() => null) }],
      });
    case 'accompagnements.svg':
      return barChartSvg({
        title,
        unit: 'count',
        categories: v.missions.byMonth.map((r) => r.label),
        series: [
          series('Ouverts', v.missions.byMonth, (r: MissionRow) => r.opened),
          series('Terminés', v.missions.byMonth, (r: MissionRow) => r.completed),
          series('Interrompus', v.missions.byMonth, (r: MissionRow) => r.interrupted),
        ],
      });
  }
}

const AID_COLUMNS: ReadonlyArray<{ header: string; pick: (r: AidRow) => Figure }> = [
  { header: 'Demandes reçues', pick: (r) => r.received },
  { header: 'Demandes décidées', pick: (r) => r.decided },
  { header: 'Accords', pick: (r) => r.granted },
  { header: 'Refus', pick: (r) => r.refused },
  { header: 'Ajournements', pick: (r) => r.adjourned },
  { header: 'Taux d’accord (%)', pick: (r) => r.grantRate },
  { header: 'Montant demandé (€)', pick: (r) => r.requested },
  { header: 'Montant accordé (€)', pick: (r) => r.grantedAmount },
  { header: 'Montant versé (€)', pick: (r) => r.paid },
  { header: 'Ménages aidés', pick: (r) => r.households },
  { header: 'Délai médian de décision (jours)', pick: (r) => r.decisionMedian },
];
const MISSION_COLUMNS: ReadonlyArray<{ header: string; pick: (r: MissionRow) => Figure }> = [
  { header: 'Accompagnements ouverts', pick: (r) => r.opened },
  { header: 'Accompagnements terminés', pick: (r) => r.completed },
  { header: 'Accompagnements interrompus', pick: (r) => r.interrupted },
  { header: 'Heures d’entretien', pick: (r) => r.hours },
  { header: 'Objectifs atteints (%)', pick: (r) => r.objectivesRate },
  { header: 'Ménages accompagnés', pick: (r) => r.households },
];

/** A figure in a download: « < 5 » when secret, the number otherwise (euros from cents), empty when there is nothing to measure. */
const cell = (f: Figure): XlsxCell => (f.secret ? '< 5' : f.value === null ? null : f.kind === 'euros' ? f.value / 100 : f.value);

/** Every table of the page, one line per row, the table's name first: the same figures, the same secrecy. */
function downloadRows(v: StatisticsView): { header: string[]; rows: XlsxCell[][] } {
  const header = ['Tableau', 'Ligne', ...AID_COLUMNS.map((c) => c.header), ...MISSION_COLUMNS.map((c) => c.header)];
  const rows: XlsxCell[][] = [];
  const aidTables: Array<[string, AidRow[] | null | undefined]> = [
    ['Demandes par mois', v.aid?.byMonth],
    ['Demandes par aide', v.aid?.byAidType],
    ['Demandes par bailleur', v.aid?.byLandlord],
    ['Demandes par département', v.aid?.byDepartement],
    ['Demandes par cause', v.aid?.byCause],
    ['Demandes par composition du ménage', v.aid?.byComposition],
  ];
  for (const [name, table] of aidTables)
    for (const r of table ?? []) rows.push([name, r.label, ...AID_COLUMNS.map((c) => cell(c.pick(r))), ...MISSION_COLUMNS.map(() => null)]);
  const missionTables: Array<[string, MissionRow[]]> = [
    ['Accompagnements par mois', v.missions.byMonth],
    ['Accompagnements par type', v.missions.byMissionType],
  ];
  for (const [name, table] of missionTables)
    for (const r of table) rows.push([name, r.label, ...AID_COLUMNS.map(() => null), ...MISSION_COLUMNS.map((c) => cell(c.pick(r)))]);
  return { header, rows };
}

const month = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: `${label} : un mois AAAA-MM, par exemple 2026-10` });
export const extractSchema = z.object({
  from: month('Premier mois'),
  to: month('Dernier mois'),
  key: z
    .string()
    .trim()
    .regex(/^([0-9a-fA-F]{64})?$/, { error: 'Clé de jointure : 64 caractères hexadécimaux, ou rien' })
    .optional()
    .transform((v) => (v ? v : undefined)),
});

/** Charts drawn lately, by what they show (oldest dropped first): a page's five images, asked again, are not drawn again. */
const DRAWN_MAX = 500;

/** What the page shows of one view, rendered once: the HTML of its filters and of its figures, its downloads' links. */
interface Shown {
  filters: string;
  figures: string;
  downloads: { csv: string; xlsx: string };
}

/** A template rendered to a string by the app's Nunjucks environment (autoescaping), with the app's locals only: never a request's. */
const renderToString = (app: Application, view: string, locals: object): Promise<string> =>
  new Promise((resolve, reject) => app.render(view, locals, (err: Error | null, html?: string) => (err ? reject(err) : resolve(html ?? ''))));

export function statisticsRoutes(services: Services): Router {
  const router = Router();
  // The page's figures (~2,300 cells for the association) were rendered by Nunjucks for every request
  // (docs/benchmarks.md, « Statistiques »). The service returns the same view object for the same
  // reach, filters and refresh until the next refresh, so what depends only on it is rendered once
  // per object (single flight: concurrent requests wait for the same rendering; a failed one is
  // forgotten) and dropped with it. In development, where templates are reloaded as they are
  // edited, it is rendered every time.
  const shown = new WeakMap<StatisticsView, Promise<Shown>>();
  const renderShown = async (app: Application, v: StatisticsView): Promise<Shown> => {
    const search = new URLSearchParams(Object.entries(v.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
    const charts = (v.audience === 'adviser' ? (['accompagnements.svg'] as Chart[]) : (Object.keys(CHARTS) as Chart[])).map((c) => ({
      src: `${urls.statisticsChart(c)}?${search}`,
      title: CHARTS[c],
      name: c,
    }));
    const [filters, figures] = await Promise.all([
      renderToString(app, 'statistics/_filters', { v }),
      renderToString(app, 'statistics/_figures', { v, charts }),
    ]);
    return { filters, figures, downloads: { csv: `${urls.statisticsDownload('csv')}?${search}`, xlsx: `${urls.statisticsDownload('xlsx')}?${search}` } };
  };
  const shownOf = (app: Application, v: StatisticsView): Promise<Shown> => {
    if (services.config.env === 'development') return renderShown(app, v);
    let known = shown.get(v);
    if (!known) {
      const rendering = renderShown(app, v);
      known = rendering;
      shown.set(v, rendering);
      rendering.catch(() => {
        if (shown.get(v) === rendering) shown.delete(v);
      });
    }
    return known;
  };
  const drawn = new Map<string, string>();
  const renderExtract = (_req: unknown, res: Response, form: FormState) => res.render('statistics/extract', { form });

  router.get(routes.statisticsExtract, ...requirePermission('statistics:extract'), (req, res) => {
    const current = services.statistics.period(statisticsQuery.parse({})).to;
    renderExtract(req, res, emptyForm(req, { from: current, to: current }));
  });

  postForm(router, routes.statisticsExtract, services.logger, {
    permission: 'statistics:extract',
    schema: extractSchema,
    render: renderExtract,
    handle: async (req, res, input) => {
      const extract = await services.statisticsExtract.build(actor(req), {
        from: input.from,
        to: input.to,
        ...(input.key ? { key: Buffer.from(input.key, 'hex') } : {}),
      });
      sendAttachment(res, extract.fileName, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extract.data);
    },
  });

  router.get(routes.statistics, ...requirePermission('statistics:view'), async (req, res) => {
    const v = await services.statistics.view(actor(req), statisticsQuery.parse(req.query));
    // the satisfaction questionnaires' summary (src/satisfaction), for who may read it
    res.render('statistics/index', { shown: await shownOf(req.app, v), satisfaction: await services.satisfaction.overview(actor(req)) });
  });

  router.get(routes.statisticsChart, ...requirePermission('statistics:view'), async (req, res) => {
    const chart = req.params.chart as Chart;
    if (!Object.hasOwn(CHARTS, chart)) throw new NotFoundError();
    const a = actor(req);
    const query = statisticsQuery.parse(req.query);
    // the same figures (same reach, same filters, same refresh) draw the same bytes: drawn once (~12 ms each)
    const refresh = (await services.statisticsRefresher.lastRefresh()).id;
    const month = parisDate(services.clock.now()).slice(0, 7);
    const key = JSON.stringify([chart, a.role, a.organisationId, a.role === 'social_adviser' ? a.userId : '', query, refresh, month]);
    let svg = drawn.get(key);
    if (svg === undefined) {
      svg = chartSvg(chart, await services.statistics.view(a, query, 'charts'));
      drawn.set(key, svg);
      if (drawn.size > DRAWN_MAX) drawn.delete(drawn.keys().next().value as string);
    }
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.send(svg);
  });

  router.get(routes.statisticsDownload, ...requirePermission('statistics:view'), async (req, res) => {
    const format = req.params.format;
    if (format !== 'csv' && format !== 'xlsx') throw new NotFoundError();
    const v = await services.statistics.view(actor(req), statisticsQuery.parse(req.query));
    const { header, rows } = downloadRows(v);
    const name = `statistiques-${v.period.from}-${v.period.to}`;
    if (format === 'csv') await sendCsv(res, `${name}.csv`, header, toAsync(rows), (r) => r);
    else
      await sendXlsx(
        res,
        `${name}.xlsx`,
        'Statistiques',
        header.map((h, i) => ({ header: h, format: i < 2 ? ('text' as const) : h.includes('(€)') ? ('euros' as const) : ('integer' as const) })),
        toAsync(rows),
        (r) => r,
      );
  });

  return router;
}
