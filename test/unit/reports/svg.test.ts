import { barChart, heatmap, histogram, histogramBins, lineChart, scatter } from '../../../lib/reports/svg';
import { ACCENT, MISSING, sequentialColor } from '../../../lib/reports/svg/palette';
import { checkXml, expectValidSvg } from './helpers/xml';

const LONG = 'a_really_long_feature_name_that_goes_on_and_on_<&>"quoted"_until_it_cannot_fit_anywhere';

function elements(svg: string, name: string) {
  return checkXml(svg).elements.filter((e) => e.name === name);
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
}

describe('line chart', () => {
  const edgeCases: Array<[string, Parameters<typeof lineChart>[0]]> = [
    ['no series', { title: 'empty', series: [] }],
    ['series without points', { title: 'empty', series: [{ name: 'a', points: [] }] }],
    ['one point', { title: 'one', series: [{ name: 'a', points: [{ x: 1, y: 0.5 }] }] }],
    ['all-equal values', { title: 'flat', series: [{ name: 'a', points: [1, 2, 3].map((x) => ({ x, y: 7 })) }] }],
    ['negative values', { title: 'neg', series: [{ name: 'a', points: [1, 2, 3].map((x) => ({ x, y: -x * 1e5 })) }] }],
    [
      'non-finite values',
      { title: 'nan', series: [{ name: 'a', points: [NaN, 1, Infinity].map((y, x) => ({ x, y })) }] },
    ],
    [
      'many series with long names',
      {
        title: LONG,
        series: Array.from({ length: 25 }, (_, i) => ({ name: `${LONG}${i}`, points: [{ x: 0, y: i }] })),
      },
    ],
    [
      'many categories',
      {
        title: 'cats',
        xCategories: Array.from({ length: 60 }, (_, i) => `2024-05-${i} 00:00`),
        series: [{ name: 'a', points: Array.from({ length: 60 }, (_, x) => ({ x, y: x % 7 })) }],
        referenceLines: [{ y: 3, label: 'threshold <3>' }],
      },
    ],
  ];

  it.each(edgeCases)('is a well-formed, finite SVG with %s', (_, input) => {
    expectValidSvg(lineChart(input));
  });

  it('maps the first and last point onto the corners of the plot', () => {
    const svg = lineChart({
      title: 't',
      series: [
        {
          name: 'a',
          points: [
            { x: 0, y: 0 },
            { x: 10, y: 1 },
          ],
        },
      ],
    });
    // plot top 12, plot height 220: y = 0 sits at 232, y = 1 at 12
    expect(elements(svg, 'path')[0]?.attributes.d).toMatch(/^M[\d.]+ 232 L[\d.]+ 12$/);
  });

  it('shows an empty notice instead of axes when nothing can be drawn', () => {
    const svg = lineChart({ title: 't', series: [{ name: 'a', points: [{ x: NaN, y: 1 }] }] });
    expect(texts(svg)).toEqual(['No data']);
  });

  it('draws a marker for a single point (a one-point path is invisible)', () => {
    const svg = lineChart({ title: 't', series: [{ name: 'a', points: [{ x: 3, y: 2 }] }] });
    expect(elements(svg, 'circle')).toHaveLength(1);
  });

  it('has a legend only for several series, with long names cut and kept whole in a tooltip', () => {
    const one = lineChart({ title: 't', series: [{ name: 'solo', points: [{ x: 0, y: 1 }] }] });
    expect(texts(one)).not.toContain('solo');
    const two = lineChart({
      title: 't',
      series: [
        { name: LONG, points: [{ x: 0, y: 1 }] },
        { name: 'b', points: [{ x: 0, y: 2 }] },
      ],
    });
    expect(texts(two)).toContain('a_really_long_feature_name_…');
    expect(two).toContain('<title>a_really_long_feature_name_that_goes_on_and_on_&lt;&amp;&gt;&quot;quoted&quot;');
  });

  it('thins out category labels that would collide', () => {
    const labels = Array.from({ length: 60 }, (_, i) => `window ${i}`);
    const svg = lineChart({ title: 't', xCategories: labels, series: [{ name: 'a', points: [{ x: 0, y: 1 }] }] });
    const shown = texts(svg).filter((t) => t.startsWith('window'));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(60);
  });

  it('draws reference lines horizontally across the plot, labelled', () => {
    const svg = lineChart({
      title: 't',
      series: [
        {
          name: 'a',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 0.4 },
          ],
        },
      ],
      referenceLines: [{ y: 0.2, label: 'PSI threshold 0.2' }],
    });
    const ref = elements(svg, 'line').find((l) => l.attributes['stroke-dasharray'] === '5 4');
    expect(ref?.attributes.y1).toBe(ref?.attributes.y2);
    // domain 0 … 0.4 over y 232 … 12: 0.2 is the middle
    expect(ref?.attributes.y1).toBe('122');
    expect(texts(svg)).toContain('PSI threshold 0.2');
  });
});

describe('bar chart', () => {
  it('grows positive bars up and negative bars down from the zero line', () => {
    const svg = barChart({ title: 't', categories: ['up', 'down'], series: [{ name: 's', values: [1, -1] }] });
    expectValidSvg(svg);
    // plot top 16, height 180, domain −1 … 1: zero at 106
    const bars = elements(svg, 'rect').filter((r) => r.attributes.fill !== '#fafbfc');
    expect(bars.map((b) => [b.attributes.y, b.attributes.height])).toEqual([
      ['16', '90'],
      ['106', '90'],
    ]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['1', '-1', 'up', 'down']));
  });

  it('draws the highlighted category in the accent colour', () => {
    const svg = barChart({
      title: 't',
      categories: ['a', 'b'],
      series: [{ name: 's', values: [1, 2] }],
      highlight: 'b',
    });
    expect(elements(svg, 'rect').map((r) => r.attributes.fill)).toEqual(['#4e79a7', ACCENT]);
  });

  it.each<[string, Parameters<typeof barChart>[0]]>([
    ['no categories', { title: 't', categories: [], series: [] }],
    ['only missing values', { title: 't', categories: ['a'], series: [{ name: 's', values: [null] }] }],
    ['all zero', { title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [0, 0] }] }],
    ['non-finite values', { title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [NaN, Infinity] }] }],
    [
      'many long categories and series',
      {
        title: LONG,
        categories: Array.from({ length: 40 }, (_, i) => `${LONG}-${i}`),
        series: Array.from({ length: 3 }, (_, s) => ({
          name: `s${s}`,
          values: Array.from({ length: 40 }, (__, i) => i - 20),
        })),
        highlight: `${LONG}-3`,
      },
    ],
  ])('is a well-formed, finite SVG with %s', (_, input) => {
    expectValidSvg(barChart(input));
  });
});

describe('heatmap', () => {
  it('labels cells, colours by value and outlines flagged cells', () => {
    const svg = heatmap({
      title: 'confusion',
      rows: ['no', 'yes'],
      columns: ['no', 'yes'],
      values: [
        [1, 0],
        [0.25, 0.75],
      ],
      cellLabels: [
        ['198', '0'],
        ['20', '49'],
      ],
      outlined: [
        [false, false],
        [false, true],
      ],
      colorDomain: { min: 0, max: 1 },
    });
    expectValidSvg(svg);
    expect(texts(svg)).toEqual(expect.arrayContaining(['198', '0', '20', '49']));
    const cells = elements(svg, 'rect').slice(0, 4);
    expect(cells[0]?.attributes.fill).toBe(sequentialColor({ t: 1, scheme: 'blues' }));
    expect(cells[1]?.attributes.fill).toBe(sequentialColor({ t: 0, scheme: 'blues' }));
    expect(cells.map((c) => c.attributes['stroke-width'])).toEqual(['1', '1', '1', '2.5']);
  });

  it('draws missing and non-finite cells grey, labelled n/a', () => {
    const svg = heatmap({ title: 't', rows: ['r'], columns: ['a', 'b'], values: [[null, NaN]] });
    expectValidSvg(svg);
    expect(
      elements(svg, 'rect')
        .slice(0, 2)
        .map((r) => r.attributes.fill),
    ).toEqual([MISSING, MISSING]);
    expect(texts(svg).filter((t) => t === 'n/a')).toHaveLength(2);
  });

  it.each<[string, Parameters<typeof heatmap>[0]]>([
    ['no rows or columns', { title: 't', rows: [], columns: [], values: [] }],
    ['all-equal values', { title: 't', rows: ['a'], columns: ['1', '2'], values: [[0, 0]] }],
    ['negative values', { title: 't', rows: ['a'], columns: ['1', '2'], values: [[-3, -1]] }],
    ['ragged values', { title: 't', rows: ['a', 'b'], columns: ['1', '2'], values: [[1]] }],
    [
      'many long rows and columns',
      {
        title: LONG,
        rows: Array.from({ length: 30 }, (_, i) => `${LONG}${i}`),
        columns: Array.from({ length: 40 }, (_, i) => `col ${i}`),
        values: Array.from({ length: 30 }, (_, r) => Array.from({ length: 40 }, (__, c) => r * c)),
      },
    ],
  ])('is a well-formed, finite SVG with %s', (_, input) => {
    expectValidSvg(heatmap(input));
  });
});

describe('scatter', () => {
  it('draws y = x corner to corner when both axes share the domain', () => {
    const points = [
      { x: 100, y: 120 },
      { x: 300, y: 260 },
    ];
    const svg = scatter({ title: 't', points, identityLine: true });
    expectValidSvg(svg);
    const ref = elements(svg, 'line').find((l) => l.attributes['stroke-dasharray'] === '5 4');
    // plot top 12, height 280
    expect([ref?.attributes.y1, ref?.attributes.y2]).toEqual(['292', '12']);
    expect(elements(svg, 'circle')).toHaveLength(2);
  });

  it.each<[string, Parameters<typeof scatter>[0]]>([
    ['no points', { title: 't', points: [] }],
    ['one point', { title: 't', points: [{ x: 1, y: 1 }], identityLine: true }],
    ['all-equal points', { title: 't', points: [1, 2, 3].map(() => ({ x: 5, y: 5 })) }],
    [
      'negative values',
      {
        title: 't',
        points: [
          { x: -1e6, y: -2 },
          { x: -5, y: 3 },
        ],
      },
    ],
    [
      'non-finite values',
      {
        title: 't',
        points: [
          { x: NaN, y: 1 },
          { x: 1, y: Infinity },
          { x: 2, y: 2 },
        ],
      },
    ],
  ])('is a well-formed, finite SVG with %s', (_, input) => {
    expectValidSvg(scatter(input));
  });
});

describe('histogram', () => {
  it('bins on round edges, the last bin closed', () => {
    const bins = histogramBins({ values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], bins: 5 });
    expect(bins).toEqual([
      { x0: 0, x1: 2, count: 2 },
      { x0: 2, x1: 4, count: 2 },
      { x0: 4, x1: 6, count: 2 },
      { x0: 6, x1: 8, count: 2 },
      { x0: 8, x1: 10, count: 3 },
    ]);
  });

  it('puts all-equal values in one bin, ignores non-finite values and has no bins without values', () => {
    const bins = histogramBins({ values: [5, 5, 5, NaN] });
    expect(bins.filter((b) => b.count > 0)).toEqual([expect.objectContaining({ count: 3 })]);
    const only = bins.find((b) => b.count > 0);
    expect(only && only.x0 <= 5 && 5 < only.x1).toBe(true);
    expect(histogramBins({ values: [] })).toEqual([]);
  });

  it.each<[string, Parameters<typeof histogram>[0]]>([
    ['no values', { title: 't', values: [] }],
    ['one value', { title: 't', values: [3], reference: { x: 0, label: '0' } }],
    ['all-equal values', { title: 't', values: [0, 0, 0] }],
    ['negative values', { title: 't', values: [-250000, -12, 40000], reference: { x: 0, label: '0' } }],
    ['non-finite values', { title: 't', values: [NaN, Infinity, 1, 2] }],
  ])('is a well-formed, finite SVG with %s', (_, input) => {
    expectValidSvg(histogram(input));
  });
});
