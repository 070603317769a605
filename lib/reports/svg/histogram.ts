import { escapeXml, formatNumber } from '../format';
import {
  type PlotArea,
  emptyNotice,
  line,
  numericTicks,
  rect,
  rightMargin,
  svgRoot,
  svgText,
  xAxis,
  xAxisHeight,
  yAxis,
  yAxisWidth,
} from './frame';
import { BASE, DANGER } from './palette';
import { extent, linearScale, niceAxis } from './scale';

export interface HistogramInput {
  title: string;
  values: number[];
  /** About how many bins; edges fall on round numbers so the actual count may differ a little. */
  bins?: number;
  xLabel?: string;
  /** Vertical marker, e.g. zero residual. */
  reference?: { x: number; label: string };
  width?: number;
  plotHeight?: number;
}

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

/** Bins on round edges; the last bin includes its upper edge. All-equal values are binned on a range widened around them. */
export function histogramBins({ values, bins }: { values: number[]; bins?: number }): HistogramBin[] {
  const finite = values.filter((v) => Number.isFinite(v));
  const found = extent(finite);
  if (!found) return [];
  const target = bins ?? Math.min(30, Math.max(5, Math.ceil(Math.sqrt(finite.length))));
  const { ticks } = niceAxis({ domain: found, count: target });
  const result = ticks.slice(0, -1).map((x0, i) => ({ x0, x1: ticks[i + 1] ?? x0, count: 0 }));
  const width = (result[0]?.x1 ?? 1) - (result[0]?.x0 ?? 0);
  for (const v of finite) {
    const index = Math.min(result.length - 1, Math.max(0, Math.floor((v - (ticks[0] ?? 0)) / width)));
    const bin = result[index];
    if (bin) bin.count += 1;
  }
  return result;
}

export function histogram(input: HistogramInput): string {
  const width = input.width ?? 520;
  const bins = histogramBins({ values: input.values, bins: input.bins });
  const first = bins[0]?.x0 ?? 0;
  const last = bins[bins.length - 1]?.x1 ?? 1;
  const x = niceAxis({ domain: { min: first, max: last }, count: 6 });
  const y = niceAxis({ domain: extent(bins.map((b) => b.count)), includeZero: true });
  const left = yAxisWidth({ axis: y, label: 'count' });
  const plotWidth = Math.max(60, width - left - rightMargin(x.labels));
  const area: PlotArea = { left, top: 12, width: plotWidth, height: input.plotHeight ?? 200 };
  const xScale = linearScale({ domain: x.domain, range: [area.left, area.left + area.width] });
  const yScale = linearScale({ domain: y.domain, range: [area.top + area.height, area.top] });
  const ticks = numericTicks({ axis: x, scale: xScale });
  const height = area.top + area.height + xAxisHeight({ ticks, label: input.xLabel }) + 4;
  if (bins.length === 0) return svgRoot({ width, height, label: input.title, body: emptyNotice({ area }) });
  const bars = bins.map((b) => {
    const range = `${formatNumber(b.x0)} … ${formatNumber(b.x1)}: ${b.count}`;
    const box = rect({
      x: xScale(b.x0) + 0.5,
      y: yScale(b.count),
      width: xScale(b.x1) - xScale(b.x0) - 1,
      height: yScale(0) - yScale(b.count),
      fill: BASE,
    });
    return box.replace('/>', `><title>${escapeXml(range)}</title></rect>`);
  });
  const body =
    yAxis({ area, scale: yScale, axis: y, label: 'count' }) +
    `<g class="bins">${bars.join('')}</g>` +
    xAxis({ area, ticks, label: input.xLabel }) +
    referenceMarker({ input, area, position: input.reference ? xScale(input.reference.x) : NaN });
  return svgRoot({ width, height, label: input.title, body });
}

function referenceMarker({ input, area, position }: { input: HistogramInput; area: PlotArea; position: number }) {
  if (!input.reference || !Number.isFinite(position)) return '';
  if (position < area.left || position > area.left + area.width) return '';
  return (
    line({
      x1: position,
      y1: area.top,
      x2: position,
      y2: area.top + area.height,
      stroke: DANGER,
      attrs: 'stroke-dasharray="5 4" stroke-width="1.5"',
    }) +
    svgText({ x: position + 4, y: area.top + 10, text: input.reference.label, attrs: `fill="${DANGER}"`, maxChars: 24 })
  );
}
