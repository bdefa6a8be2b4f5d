/**
 * Charts of the statistics pages, drawn on the server as SVG by Apache ECharts (server-side SVG renderer, no DOM).
 *
 * The page serves them as `<img src=…>` with a text alternative and a data table beside: the page's strict CSP forbids
 * inline script and style, while inside an SVG loaded as an image ECharts' style attributes are inert and allowed.
 * Output is deterministic (same input → same bytes) so a route can cache it and answer with an ETag.
 */
import * as echarts from 'echarts';

/** One line or bar series; `null` is a value hidden by statistical secrecy or missing: drawn as a gap, never as 0. */
export interface ChartSeries {
  name: string;
  values: ReadonlyArray<number | null>;
}

/** How values read: `euros` are integer cents, `percent` is 0..100, `days` a delay, `count` a number of things. */
export type ChartUnit = 'count' | 'euros' | 'days' | 'percent';

export interface BarChartInput {
  title: string;
  categories: readonly string[];
  series: readonly ChartSeries[];
  stacked?: boolean;
  unit: ChartUnit;
  width?: number;
  height?: number;
  horizontal?: boolean;
}

export const EMPTY_CHART_MESSAGE = 'Aucune donnée sur la période';

const DEFAULT_WIDTH = 720;
const DEFAULT_HEIGHT = 320;
const FONT_FAMILY = 'Arial, Helvetica, sans-serif';
const TEXT_COLOUR = '#0b0c0c'; // 19.6:1 on white
const SECONDARY_TEXT_COLOUR = '#505a5f'; // 7.1:1 on white (WCAG AA for text)
const AXIS_LINE_COLOUR = '#505a5f';
const GRID_LINE_COLOUR = '#dddddd'; // decorative
/**
 * Okabe–Ito, told apart with the common colour-vision deficiencies, ordered so that the first five reach 3:1 against the white
 * background (WCAG 1.4.11): blue 5.2, vermillion 3.9, bluish green 3.4, reddish purple 3.1, black 21. Lines add a symbol and a dash
 * pattern per series, stacked bars a white edge between segments, so colour is never the only cue (and each chart has its table).
 */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#000000', '#E69F00', '#56B4E9', '#F0E442'];
const LINE_SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'roundRect', 'pin', 'arrow', 'emptyCircle'];
const LINE_DASHES = ['solid', 'dashed', 'dotted'] as const;
/** Values are printed on the bars/points only while they stay readable: one unstacked series of a few categories. */
const MAX_LABELLED_POINTS = 12;
/** Up to this many categories under a vertical chart, every name is written (wrapped on two lines if need be); beyond, ECharts skips some. */
const MAX_WRAPPED_CATEGORIES = 12;
/** Room left of the bars for the value axis' labels, in a vertical chart (estimate used to share the width between categories). */
const VALUE_AXIS_ROOM = 90;

const integerFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const euroFormat = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const roundEuroFormat = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', minimumFractionDigits: 0, maximumFractionDigits: 0 });
const percentFormat = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });

/** Bars by category (months, statuses stacked, delay buckets); `horizontal` for long category names (aid types, landlords). */
export function barChartSvg(input: BarChartInput): string {
  return renderChart(input, 'bar');
}

/** The same input drawn as lines, e.g. this period beside the previous one (`stacked` does not apply to lines). */
export function lineChartSvg(input: BarChartInput): string {
  return renderChart(input, 'line');
}

function renderChart(input: BarChartInput, kind: 'bar' | 'line'): string {
  const width = dimension(input.width ?? DEFAULT_WIDTH, 'width');
  const height = dimension(input.height ?? DEFAULT_HEIGHT, 'height');
  const title = cleanText(input.title);
  checkSeries(input);
  const empty = input.categories.length === 0 || input.series.length === 0;
  const option = empty ? emptyOption(title, width) : chartOption(input, kind, title, width);

  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return finishSvg(chart.renderToSVGString({ useViewBox: true }), title);
  } finally {
    chart.dispose();
  }
}

function chartOption(input: BarChartInput, kind: 'bar' | 'line', title: string, width: number): echarts.EChartsOption {
  const { unit } = input;
  const stacked = input.stacked === true && kind === 'bar';
  const names = input.series.map((s) => cleanText(s.name));
  const withLegend = input.series.length > 1;
  const legendRows = withLegend ? estimateLegendRows(names, width - 32) : 0;
  const labelled = !stacked && input.series.length === 1 && input.categories.length <= MAX_LABELLED_POINTS;
  const divisor = unit === 'euros' ? 100 : 1; // cents plotted as euros, so that the axis ticks fall on round euros
  const horizontal = input.horizontal === true;

  const categoryAxis = {
    type: 'category' as const,
    data: input.categories.map(cleanText),
    inverse: horizontal, // first category on top, as in the table beside
    axisTick: { alignWithLabel: true },
    axisLine: { lineStyle: { color: AXIS_LINE_COLOUR } },
    axisLabel: { color: SECONDARY_TEXT_COLOUR, fontSize: 13, ...categoryLabelLayout(input.categories.length, width, horizontal) },
  };
  const valueAxis = {
    type: 'value' as const,
    minInterval: unit === 'count' ? 1 : 0,
    splitLine: { lineStyle: { color: GRID_LINE_COLOUR } },
    axisLabel: { color: SECONDARY_TEXT_COLOUR, fontSize: 13, formatter: (value: number) => formatTick(value, unit) },
  };

  const series = input.series.map((s, i): echarts.BarSeriesOption | echarts.LineSeriesOption => {
    const data = s.values.map((v) => (v === null ? null : v / divisor));
    const common = {
      name: names[i] ?? '',
      data,
      color: PALETTE[i % PALETTE.length],
      silent: true,
      emphasis: { disabled: true },
      label: {
        show: labelled,
        position: kind === 'bar' ? (horizontal ? ('right' as const) : ('top' as const)) : ('top' as const),
        color: TEXT_COLOUR,
        fontSize: 13,
        formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? formatValue(p.value, unit) : ''),
      },
    };
    if (kind === 'line') {
      return {
        ...common,
        type: 'line',
        connectNulls: false,
        symbol: LINE_SYMBOLS[i % LINE_SYMBOLS.length],
        symbolSize: 8,
        lineStyle: { width: 2.5, type: LINE_DASHES[i % LINE_DASHES.length] },
      };
    }
    return {
      ...common,
      type: 'bar',
      barMaxWidth: 48,
      ...(stacked ? { stack: 'total', itemStyle: { borderColor: '#ffffff', borderWidth: 1 } } : {}),
    };
  });

  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT_COLOUR },
    title: titleOption(title, width),
    ...(withLegend
      ? {
          legend: {
            top: 36,
            left: 16,
            width: width - 32,
            selectedMode: false,
            itemGap: 16,
            textStyle: { color: TEXT_COLOUR, fontSize: 13 },
            data: names,
          },
        }
      : {}),
    grid: {
      left: 16,
      right: horizontal && labelled ? 72 : 24,
      top: 44 + legendRows * 24 + (labelled && !horizontal ? 16 : 8),
      bottom: 12,
      outerBoundsMode: 'same',
      outerBoundsContain: 'axisLabel',
    },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series,
  };
}

/**
 * Beside horizontal bars, names are cut with « … » past 170 px. Under vertical bars, a few categories each get their slot's width and
 * wrap ("janv." over "2026"); many categories (two years of months) keep one line and ECharts skips the names that would overlap.
 * Either way the data table beside the chart holds every name in full.
 */
function categoryLabelLayout(count: number, width: number, horizontal: boolean) {
  if (horizontal) return { width: 170, overflow: 'truncate' as const };
  if (count > MAX_WRAPPED_CATEGORIES) return { hideOverlap: true };
  const slot = Math.floor((width - VALUE_AXIS_ROOM) / count) - 6;
  return { interval: 0, width: slot, overflow: 'break' as const, lineOverflow: 'truncate' as const, height: 34, lineHeight: 16 };
}

function emptyOption(title: string, width: number): echarts.EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT_COLOUR },
    title: titleOption(title, width),
    graphic: {
      type: 'text',
      left: 'center',
      top: 'middle',
      silent: true,
      style: { text: EMPTY_CHART_MESSAGE, fill: SECONDARY_TEXT_COLOUR, fontSize: 16, fontFamily: FONT_FAMILY },
    },
  };
}

function titleOption(title: string, width: number): echarts.EChartsOption['title'] {
  return {
    text: title,
    left: 16,
    top: 10,
    textStyle: { color: TEXT_COLOUR, fontSize: 16, fontWeight: 'bold', width: width - 32, overflow: 'truncate' },
  };
}

/** Axis ticks: round figures, French grouping and units (« 1 000 € », « 12 j », « 40 % »). */
function formatTick(value: number, unit: ChartUnit): string {
  switch (unit) {
    case 'euros':
      return Number.isInteger(value) ? roundEuroFormat.format(value) : euroFormat.format(value);
    case 'percent':
      return percentFormat.format(value / 100);
    case 'days':
      return `${decimalFormat.format(value)} j`;
    case 'count':
      return decimalFormat.format(value);
  }
}

/** A value printed on its bar or point (euros already divided by 100): « 1 234,50 € », « 12,5 j », « 33,3 % », « 1 204 ». */
function formatValue(value: number, unit: ChartUnit): string {
  switch (unit) {
    case 'euros':
      return euroFormat.format(value);
    case 'percent':
      return percentFormat.format(value / 100);
    case 'days':
      return `${decimalFormat.format(value)} j`;
    case 'count':
      return Number.isInteger(value) ? integerFormat.format(value) : decimalFormat.format(value);
  }
}

/** Legend items wrap inside the chart's width; the grid starts below them. Estimated like ECharts does without a canvas (~0.6 em per character). */
function estimateLegendRows(names: readonly string[], available: number): number {
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const item = 25 + 5 + Math.ceil(name.length * 13 * 0.62);
    if (x > 0 && x + item > available) {
      rows += 1;
      x = 0;
    }
    x += item + 16;
  }
  return rows;
}

function checkSeries(input: BarChartInput): void {
  for (const s of input.series) {
    if (s.values.length !== input.categories.length) {
      throw new RangeError(`Chart "${input.title}": series "${s.name}" has ${s.values.length} values for ${input.categories.length} categories`);
    }
    if (s.values.some((v) => v !== null && !Number.isFinite(v))) {
      throw new RangeError(`Chart "${input.title}": series "${s.name}" holds a value that is not a finite number`);
    }
  }
}

function dimension(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 100 || value > 4000) throw new RangeError(`Chart ${name} must be an integer between 100 and 4000, got ${value}`);
  return value;
}

/**
 * Text from callers, cleared of what XML 1.0 cannot hold or a one-line label should not: control characters (tab and line breaks become
 * a space), lone surrogates, U+FFFE/U+FFFF. ECharts escapes the rest (`<`, `&`, quotes) in the text it writes.
 */
function cleanText(text: string): string {
  return text.replace(/[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu, (c) => (/\s/.test(c) ? ' ' : ''));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * ECharts' SVG, made deterministic and self-describing:
 * - zrender names each instance ("zr12") and each hover class ("zr12-cls-40") from process-wide counters, so the same chart would
 *   differ with the number drawn before it: the hover stylesheet and classes (useless in an image) go, the ids get one fixed prefix;
 * - the root gets `role="img"` and a `<title>` (the accessible name).
 */
function finishSvg(svg: string, title: string): string {
  const cleaned = svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/ class="zr\d+-cls-\d+(?: zr\d+-cls-\d+)*"/g, '')
    .replace(/\bzr\d+-/g, 'chart-');
  const open = /^<svg\b[^>]*>/.exec(cleaned);
  if (!open) throw new Error('ECharts did not return an SVG document');
  const root = open[0].replace(/^<svg\b/, '<svg role="img" aria-labelledby="chart-title"');
  return `${root}\n<title id="chart-title">${escapeXml(title)}</title>${cleaned.slice(open[0].length)}`;
}
