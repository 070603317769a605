import { escapeXml, formatNumber } from '../format';
import {
  type CategoryTick,
  type PlotArea,
  emptyNotice,
  line,
  numericTicks,
  rightMargin,
  svgRoot,
  svgText,
  xAxis,
  xAxisHeight,
  yAxis,
  yAxisWidth,
} from './frame';
import { legend, legendHeight } from './legend';
import { DANGER, seriesColor, seriesDash } from './palette';
import { type Scale, coord, extent, linearScale, niceAxis } from './scale';

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  color?: string;
  dash?: string;
}

export interface LineChartInput {
  /** Accessible name and tooltip of the whole chart. */
  title: string;
  series: LineSeries[];
  xLabel?: string;
  yLabel?: string;
  /** Categorical x axis: point x values are indices into these labels (e.g. monitoring windows). */
  xCategories?: string[];
  referenceLines?: Array<{ y: number; label: string }>;
  width?: number;
  /** Height of the plotting area; axes and legend add to it. */
  plotHeight?: number;
  yIncludeZero?: boolean;
  /** Whole-number x ticks (epochs). */
  xIntegers?: boolean;
}

/** Markers make single points visible and let short series be read point by point. */
const MAX_MARKED_POINTS = 60;

export function lineChart(input: LineChartInput): string {
  const width = input.width ?? 520;
  const series = input.series.map((s, i) => ({
    ...s,
    color: s.color ?? seriesColor(i),
    dash: s.dash ?? seriesDash(i),
    points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x),
  }));
  const references = (input.referenceLines ?? []).filter((r) => Number.isFinite(r.y));
  const yValues = series.flatMap((s) => s.points.map((p) => p.y)).concat(references.map((r) => r.y));
  const y = niceAxis({ domain: extent(yValues), includeZero: input.yIncludeZero });
  const left = yAxisWidth({ axis: y, label: input.yLabel });
  const x = xLayout({ input, series, left, width });
  const area: PlotArea = { left, top: 12, width: x.plotWidth, height: input.plotHeight ?? 220 };
  const yScale = linearScale({ domain: y.domain, range: [area.top + area.height, area.top] });
  // Series without a point stay out of the legend: a key for a line that is not there misleads.
  const drawn = series.filter((s) => s.points.length > 0);
  const items = series.length > 1 ? drawn.map(({ name, color, dash }) => ({ name, color, dash })) : [];
  const legendTop = area.top + area.height + xAxisHeight({ ticks: x.ticks, label: input.xLabel });
  const height = legendTop + legendHeight({ items, width: width - left }) + 4;
  const body =
    drawn.length > 0
      ? yAxis({ area, scale: yScale, axis: y, label: input.yLabel }) +
        xAxis({ area, ticks: x.ticks, label: input.xLabel }) +
        references.map((r) => referenceLine({ area, y: yScale(r.y), label: r.label })).join('') +
        series.map((s) => seriesPath({ series: s, xScale: x.scale, yScale, categories: input.xCategories })).join('') +
        legend({ items, left, top: legendTop, width: width - left })
      : emptyNotice({ area });
  return svgRoot({ width, height, label: input.title, body });
}

type ResolvedSeries = Required<Pick<LineSeries, 'color' | 'dash'>> & LineSeries;

function xLayout({ input, series, left, width }: XLayoutInput): {
  scale: Scale;
  ticks: CategoryTick[];
  plotWidth: number;
} {
  if (input.xCategories) {
    const n = input.xCategories.length;
    const plotWidth = Math.max(80, width - left - 16);
    const scale = linearScale({ domain: { min: -0.5, max: Math.max(0.5, n - 0.5) }, range: [left, left + plotWidth] });
    return { scale, plotWidth, ticks: input.xCategories.map((label, i) => ({ position: scale(i), label })) };
  }
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const axis = niceAxis({ domain: extent(xs), count: 8, integers: input.xIntegers });
  const plotWidth = Math.max(80, width - left - rightMargin(axis.labels));
  const scale = linearScale({ domain: axis.domain, range: [left, left + plotWidth] });
  return { scale, plotWidth, ticks: numericTicks({ axis, scale }) };
}

interface XLayoutInput {
  input: LineChartInput;
  series: ResolvedSeries[];
  left: number;
  width: number;
}

function seriesPath({ series, xScale, yScale, categories }: SeriesPathInput): string {
  const { points, color, dash } = series;
  if (points.length === 0) return '';
  // On a categorical axis a skipped category is a window without data: the line breaks there instead of bridging it.
  const d = points
    .map((p, i) => {
      const jump = i === 0 || (categories !== undefined && p.x - (points[i - 1]?.x ?? p.x) > 1);
      return `${jump ? 'M' : 'L'}${coord(xScale(p.x))} ${coord(yScale(p.y))}`;
    })
    .join(' ');
  const dashAttr = dash ? ` stroke-dasharray="${escapeXml(dash)}"` : '';
  const path = `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dashAttr} stroke-linejoin="round"/>`;
  const markers = points.length <= MAX_MARKED_POINTS ? pointMarkers({ series, xScale, yScale, categories }) : '';
  return `<g class="series">${path}${markers}</g>`;
}

/** A dot per point with its value as tooltip. */
function pointMarkers({ series, xScale, yScale, categories }: SeriesPathInput): string {
  return series.points
    .map((p) => {
      const xText = categories ? (categories[p.x] ?? String(p.x)) : formatNumber(p.x);
      const tip = escapeXml(`${series.name} · ${xText}: ${formatNumber(p.y)}`);
      const dot = `<circle cx="${coord(xScale(p.x))}" cy="${coord(yScale(p.y))}" r="3" fill="${series.color}">`;
      return `${dot}<title>${tip}</title></circle>`;
    })
    .join('');
}

interface SeriesPathInput {
  series: ResolvedSeries;
  xScale: Scale;
  yScale: Scale;
  categories?: string[];
}

const HALO = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"';

function referenceLine({ area, y, label }: { area: PlotArea; y: number; label: string }): string {
  return (
    line({
      x1: area.left,
      y1: y,
      x2: area.left + area.width,
      y2: y,
      stroke: DANGER,
      attrs: 'stroke-dasharray="5 4" stroke-width="1.5"',
    }) +
    // Left, where drift curves are still low, on a white halo so that crossing lines never hide it; below the line
    // when the line runs along the top of the plot.
    svgText({
      x: area.left + 6,
      y: y - area.top < 14 ? y + 14 : y - 5,
      text: label,
      attrs: `fill="${DANGER}" ${HALO}`,
      maxChars: 40,
    })
  );
}
