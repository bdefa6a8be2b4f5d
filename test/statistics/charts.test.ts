import { execFileSync } from 'node:child_process';
import { barChartSvg, EMPTY_CHART_MESSAGE, lineChartSvg, type BarChartInput } from '../../src/statistics/charts';

const MONTHS = ['janv. 2026', 'févr. 2026', 'mars 2026', 'avr. 2026', 'mai 2026', 'juin 2026'];

function decisionsByMonth(overrides: Partial<BarChartInput> = {}): BarChartInput {
  return {
    title: 'Demandes décidées par mois',
    categories: MONTHS,
    unit: 'count',
    stacked: true,
    series: [
      { name: 'Accordées', values: [12, 15, 9, 20, 18, 11] },
      { name: 'Refusées', values: [3, null, 4, 6, 2, 5] },
      { name: 'Ajournées', values: [1, 2, null, 1, 3, 2] },
    ],
    ...overrides,
  };
}

/** Throws (and so fails the test) when xmllint finds the document not well formed. */
function assertWellFormed(svg: string): void {
  execFileSync('xmllint', ['--noout', '-'], { input: svg, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The marks ECharts draws for data items (a bar, or a line's point), one path each. */
function dataMarks(svg: string): string[] {
  return svg.match(/<path [^>]*ecmeta_ssr_type="chart"[^>]*>/g) ?? [];
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
}

function contrastOnWhite(hex: string): number {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}

const NBSP = '[\\u00a0\\u202f ]';

describe('server-side charts', () => {
  it('draws a well-formed SVG with its title as accessible name, role img and a viewBox at the default 720 × 320', () => {
    const svg = barChartSvg(decisionsByMonth());
    assertWellFormed(svg);
    expect(svg).toMatch(/^<svg role="img" aria-labelledby="chart-title" width="720" height="320" [^>]*viewBox="0 0 720 320"/);
    expect(svg).toContain('<title id="chart-title">Demandes décidées par mois</title>');
    expect(svg.indexOf('<title')).toBeLessThan(svg.indexOf('<rect'));
    expect(texts(svg)).toContain('Demandes décidées par mois');
    expect(texts(svg)).toEqual(expect.arrayContaining(['janv. 2026', 'juin 2026']));
  });

  it('takes another size and keeps the viewBox, so the image scales down on a phone', () => {
    const svg = lineChartSvg(decisionsByMonth({ width: 480, height: 240 }));
    assertWellFormed(svg);
    expect(svg).toMatch(/width="480" height="240" [^>]*viewBox="0 0 480 240"/);
  });

  it('escapes titles, category and series names from callers and drops characters XML cannot hold', () => {
    const svg = barChartSvg({
      title: 'Aides <script>alert(1)</script> & "co"',
      categories: ['Énergie & eau', '<img src=x onerror=alert(1)>', 'x\u0001\ud800y', 'Pas-de-\nCalais'],
      unit: 'count',
      series: [
        { name: '<script>alert(2)</script>', values: [1, 2, 3, 4] },
        { name: 'Loyer & charges', values: [2, 1, 0, 1] },
      ],
    });
    assertWellFormed(svg);
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/<img/i);
    expect(svg).toContain('<title id="chart-title">Aides &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;</title>');
    expect(svg).toContain('Énergie &amp; eau');
    expect(svg).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(svg).toContain('Loyer &amp; charges');
    expect(texts(svg)).toEqual(expect.arrayContaining(['xy', 'Pas-de- Calais']));
  });

  it('never draws a hidden or missing value: no bar for that slot, rather than a bar at 0', () => {
    const full = barChartSvg({ title: 'Accords', categories: MONTHS, unit: 'count', series: [{ name: 'Accordées', values: [12, 15, 9, 20, 18, 11] }] });
    const hidden = barChartSvg({ title: 'Accords', categories: MONTHS, unit: 'count', series: [{ name: 'Accordées', values: [12, null, 9, null, 18, 11] }] });
    expect(dataMarks(full)).toHaveLength(6);
    expect(dataMarks(hidden)).toHaveLength(4);
    expect(dataMarks(hidden).some((p) => p.includes('ecmeta_data_index="1"') || p.includes('ecmeta_data_index="3"'))).toBe(false);
    // a real 0 still counts as a value (a flat bar), unlike null
    const zero = barChartSvg({ title: 'Accords', categories: MONTHS, unit: 'count', series: [{ name: 'Accordées', values: [12, 0, 9, 20, 18, 11] }] });
    expect(dataMarks(zero)).toHaveLength(6);
  });

  it('leaves a gap in a line where a value is hidden', () => {
    const svg = lineChartSvg({
      title: 'Délai médian de décision',
      categories: MONTHS,
      unit: 'days',
      series: [
        { name: '2026', values: [10, 11, null, 12, 13, 12] },
        { name: '2025', values: [12, 12, 13, 12, 14, 13] },
      ],
    });
    assertWellFormed(svg);
    const marks = dataMarks(svg);
    expect(marks.filter((p) => p.includes('ecmeta_series_index="0"'))).toHaveLength(5);
    expect(marks.filter((p) => p.includes('ecmeta_series_index="1"'))).toHaveLength(6);
    const lines = svg.match(/<path d="(M[^"]*)" fill="none"[^>]*stroke="#[0-9A-Fa-f]{6}" stroke-width="2.5"/g) ?? [];
    expect(lines).toHaveLength(2);
    const moves = lines.map((l) => (/d="([^"]*)"/.exec(l)?.[1] ?? '').split('M').length - 1);
    expect(moves).toEqual([2, 1]); // the first line is cut in two by the hidden month
    expect(svg).toMatch(new RegExp(`>12${NBSP}j<`));
  });

  it('shows amounts given in cents as euros, French style', () => {
    const svg = barChartSvg({
      title: 'Montants accordés',
      categories: ['janv. 2026', 'févr. 2026'],
      unit: 'euros',
      series: [{ name: 'Accordé', values: [123450, 250000] }],
    });
    assertWellFormed(svg);
    expect(svg).toMatch(new RegExp(`>1${NBSP}234,50${NBSP}€<`));
    expect(svg).toMatch(new RegExp(`>2${NBSP}500,00${NBSP}€<`));
    // the axis is in euros too, on round figures, never in cents
    expect(svg).toMatch(new RegExp(`>1${NBSP}000${NBSP}€<`));
    expect(svg).not.toContain('123450');
    expect(svg).not.toMatch(/250[\u00a0\u202f ]?000/);
  });

  it('shows rates as French percentages', () => {
    const svg = barChartSvg({
      title: 'Taux d’accord',
      categories: ['Quittance', 'Énergie'],
      unit: 'percent',
      horizontal: true,
      series: [{ name: 'Taux', values: [45.5, 80] }],
    });
    assertWellFormed(svg);
    expect(svg).toMatch(new RegExp(`>45,5${NBSP}%<`));
    expect(svg).toMatch(new RegExp(`>80${NBSP}%<`));
  });

  it('stacks statuses month by month, each with a legend entry', () => {
    const svg = barChartSvg(decisionsByMonth());
    assertWellFormed(svg);
    const marks = dataMarks(svg);
    expect(marks).toHaveLength(16); // 18 slots, 2 hidden
    expect(texts(svg)).toEqual(expect.arrayContaining(['Accordées', 'Refusées', 'Ajournées']));
    // stacked: the three statuses of a month share one column (same left edge), one above the other
    const leftEdges = (series: number) =>
      marks.filter((p) => p.includes(`ecmeta_series_index="${series}"`) && p.includes('ecmeta_data_index="0"')).map((p) => /d="M([\d.]+) /.exec(p)?.[1]);
    expect(leftEdges(0)).toHaveLength(1);
    expect(leftEdges(1)).toEqual(leftEdges(0));
    expect(leftEdges(2)).toEqual(leftEdges(0));
    const grouped = dataMarks(barChartSvg(decisionsByMonth({ stacked: false })));
    const groupedEdges = [0, 1, 2].map((s) => grouped.find((p) => p.includes(`ecmeta_series_index="${s}"`) && p.includes('ecmeta_data_index="0"')));
    expect(new Set(groupedEdges.map((p) => /d="M([\d.]+) /.exec(p ?? '')?.[1])).size).toBe(3);
  });

  it('has a legend only when there is more than one series', () => {
    const one = barChartSvg({ title: 'Accords', categories: MONTHS, unit: 'count', series: [{ name: 'Accordées', values: [1, 2, 3, 4, 5, 6] }] });
    const two = lineChartSvg({
      title: 'Accords',
      categories: MONTHS,
      unit: 'count',
      series: [
        { name: 'Cette période', values: [1, 2, 3, 4, 5, 6] },
        { name: 'Période précédente', values: [2, 2, 2, 2, 2, 2] },
      ],
    });
    expect(texts(one)).not.toContain('Accordées');
    expect(texts(two)).toEqual(expect.arrayContaining(['Cette période', 'Période précédente']));
  });

  it('gives the same bytes for the same input, whatever was drawn before', () => {
    const first = barChartSvg(decisionsByMonth());
    lineChartSvg(decisionsByMonth());
    barChartSvg(decisionsByMonth({ horizontal: true, title: 'Autre' }));
    expect(barChartSvg(decisionsByMonth())).toBe(first);
    expect(lineChartSvg(decisionsByMonth())).toBe(lineChartSvg(decisionsByMonth()));
    expect(first).not.toMatch(/zr\d+/);
  });

  it('says there is no data when the period has none', () => {
    for (const svg of [
      barChartSvg({ title: 'Demandes par mois', categories: [], unit: 'count', series: [] }),
      lineChartSvg({ title: 'Demandes par mois', categories: [], unit: 'count', series: [{ name: 'Reçues', values: [] }] }),
    ]) {
      assertWellFormed(svg);
      expect(svg).toContain('<title id="chart-title">Demandes par mois</title>');
      expect(texts(svg)).toContain(EMPTY_CHART_MESSAGE);
      expect(EMPTY_CHART_MESSAGE).toBe('Aucune donnée sur la période');
      expect(dataMarks(svg)).toHaveLength(0);
    }
  });

  it('holds no script, no event attribute, no stylesheet and no external reference', () => {
    const charts = [
      barChartSvg(decisionsByMonth()),
      barChartSvg(decisionsByMonth({ horizontal: true })),
      lineChartSvg(decisionsByMonth()),
      barChartSvg({ title: 'Vide', categories: [], unit: 'count', series: [] }),
    ];
    for (const svg of charts) {
      expect(svg).not.toMatch(/<script/i);
      expect(svg).not.toMatch(/\son[a-z]+\s*=/i);
      expect(svg).not.toMatch(/<style|<foreignObject|<image|<use\b/i);
      expect(svg).not.toMatch(/href\s*=/i);
      expect([...svg.matchAll(/url\(([^)]*)\)/g)].every((m) => m[1]?.startsWith('#'))).toBe(true);
      expect(svg).not.toContain('NaN');
    }
  });

  it('writes text at WCAG AA contrast on a white background and draws the first five series in colours of 3:1 at least', () => {
    const svg = barChartSvg({
      title: 'Cinq séries',
      categories: MONTHS,
      unit: 'count',
      series: ['A', 'B', 'C', 'D', 'E'].map((name) => ({ name, values: [1, 2, 3, 4, 5, 6] })),
    });
    expect(svg).toContain('<rect width="720" height="320" x="0" y="0" fill="#ffffff">');
    const textFills = [...svg.matchAll(/<text\b[^>]*fill="(#[0-9a-fA-F]{6})"/g)].map((m) => m[1] ?? '');
    expect(textFills.length).toBeGreaterThan(10);
    for (const fill of textFills) expect(contrastOnWhite(fill)).toBeGreaterThanOrEqual(4.5);
    const seriesFills = new Set(dataMarks(svg).map((p) => /fill="(#[0-9a-fA-F]{6})"/.exec(p)?.[1] ?? ''));
    expect(seriesFills.size).toBe(5);
    for (const fill of seriesFills) expect(contrastOnWhite(fill)).toBeGreaterThanOrEqual(3);
  });

  it('refuses series that do not match the categories and values that are not numbers', () => {
    expect(() => barChartSvg({ title: 'T', categories: ['a', 'b'], unit: 'count', series: [{ name: 's', values: [1] }] })).toThrow(RangeError);
    expect(() => barChartSvg({ title: 'T', categories: ['a'], unit: 'count', series: [{ name: 's', values: [Number.NaN] }] })).toThrow(RangeError);
    expect(() => barChartSvg({ title: 'T', categories: ['a'], unit: 'count', series: [{ name: 's', values: [1] }], width: 0 })).toThrow(RangeError);
  });
});
