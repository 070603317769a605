import { escapeXml, formatCompact, formatNumber } from '../format';
import {
  type PlotArea,
  emptyNotice,
  line,
  rect,
  svgRoot,
  svgText,
  textWidth,
  xAxis,
  xAxisHeight,
  yAxis,
  yAxisWidth,
} from './frame';
import { legend, legendHeight } from './legend';
import { ACCENT, BASE, MUTED, seriesColor } from './palette';
import { type Scale, extent, linearScale, niceAxis } from './scale';

export interface BarChartInput {
  title: string;
  /** Groups along the x axis (e.g. candidates). */
  categories: string[];
  /** One bar per category in each series; null or non-finite values leave a gap. */
  series: Array<{ name: string; values: Array<number | null> }>;
  /** Category drawn in the accent colour (single series) or on a shaded band (several series). */
  highlight?: string;
  yLabel?: string;
  width?: number;
  plotHeight?: number;
}

export function barChart(input: BarChartInput): string {
  const width = input.width ?? 520;
  const values = input.series.flatMap((s) => s.values).filter((v): v is number => v != null && Number.isFinite(v));
  const y = niceAxis({ domain: extent(values), includeZero: true });
  const left = yAxisWidth({ axis: y, label: input.yLabel });
  const plotWidth = Math.max(60, width - left - 12);
  const band = plotWidth / Math.max(1, input.categories.length);
  const ticks = input.categories.map((label, i) => ({ position: left + band * (i + 0.5), label }));
  const area: PlotArea = { left, top: 16, width: plotWidth, height: input.plotHeight ?? 180 };
  const yScale = linearScale({ domain: y.domain, range: [area.top + area.height, area.top] });
  const multi = input.series.length > 1;
  const items = multi ? input.series.map((s, i) => ({ name: s.name, color: seriesColor(i) })) : [];
  const legendTop = area.top + area.height + xAxisHeight({ ticks });
  const height = legendTop + legendHeight({ items, width: width - left }) + 4;
  if (values.length === 0) return svgRoot({ width, height, label: input.title, body: emptyNotice({ area }) });
  const body =
    highlightBand({ input, area, band }) +
    yAxis({ area, scale: yScale, axis: y, label: input.yLabel }) +
    bars({ input, area, band, yScale }) +
    line({ x1: left, y1: yScale(0), x2: left + plotWidth, y2: yScale(0), stroke: MUTED }) +
    xAxis({ area, ticks }) +
    legend({ items, left, top: legendTop, width: width - left });
  return svgRoot({ width, height, label: input.title, body });
}

interface BarLayout {
  input: BarChartInput;
  area: PlotArea;
  band: number;
}

function highlightBand({ input, area, band }: BarLayout): string {
  const index = input.highlight === undefined ? -1 : input.categories.indexOf(input.highlight);
  if (index < 0 || input.series.length < 2) return '';
  return rect({ x: area.left + band * index, y: area.top, width: band, height: area.height, fill: '#fff4e6' });
}

function bars({ input, area, band, yScale }: BarLayout & { yScale: Scale }): string {
  // Wide bands (few categories) would make slabs; 72 px per bar reads better.
  const groupWidth = Math.min(band * 0.75, 72 * input.series.length);
  const barWidth = groupWidth / Math.max(1, input.series.length);
  const zero = yScale(0);
  // Value labels on every bar or on none: labels on some bars only would look like a selection.
  const labelled = input.series.every((s) =>
    s.values.every((v) => v == null || !Number.isFinite(v) || textWidth(formatCompact(v), 11) <= barWidth),
  );
  const parts: string[] = [];
  input.series.forEach((s, si) => {
    input.categories.forEach((category, ci) => {
      const value = s.values[ci];
      if (value == null || !Number.isFinite(value)) return;
      const x = area.left + band * ci + (band - groupWidth) / 2 + barWidth * si;
      const top = Math.min(zero, yScale(value));
      const fill = barColor({ input, seriesIndex: si, category });
      const tip = `<title>${escapeXml(`${category} · ${s.name}: ${formatNumber(value)}`)}</title>`;
      const bar = rect({ x, y: top, width: Math.max(1, barWidth - 2), height: Math.abs(yScale(value) - zero), fill });
      parts.push(bar.replace('/>', `>${tip}</rect>`));
      if (labelled) parts.push(valueLabel({ value, x: x + barWidth / 2 - 1, y: yScale(value), zero }));
    });
  });
  return `<g class="bars">${parts.join('')}</g>`;
}

function barColor({ input, seriesIndex, category }: { input: BarChartInput; seriesIndex: number; category: string }) {
  if (input.series.length > 1) return seriesColor(seriesIndex);
  return category === input.highlight ? ACCENT : BASE;
}

/** The value above a positive bar or below a negative one. */
function valueLabel({ value, x, y, zero }: { value: number; x: number; y: number; zero: number }) {
  const text = formatCompact(value);
  const labelY = value >= 0 ? Math.min(y, zero) - 4 : Math.max(y, zero) + 12;
  return svgText({ x, y: labelY, text, anchor: 'middle', attrs: 'font-size="11"' });
}
