import { escapeXml, formatNumber } from '../format';
import {
  type PlotArea,
  emptyNotice,
  line,
  numericTicks,
  rightMargin,
  svgRoot,
  xAxis,
  xAxisHeight,
  yAxis,
  yAxisWidth,
} from './frame';
import { BASE, DANGER } from './palette';
import { type Domain, coord, extent, linearScale, niceAxis } from './scale';

export interface ScatterInput {
  title: string;
  points: Array<{ x: number; y: number }>;
  xLabel?: string;
  yLabel?: string;
  /** Draws y = x and gives both axes the same domain, so that distance from the line reads the same everywhere. */
  identityLine?: boolean;
  width?: number;
  plotHeight?: number;
}

export function scatter(input: ScatterInput): string {
  const width = input.width ?? 520;
  const points = input.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xExtent = extent(points.map((p) => p.x));
  const yExtent = extent(points.map((p) => p.y));
  const shared = input.identityLine ? union(xExtent, yExtent) : undefined;
  const x = niceAxis({ domain: shared ?? xExtent, count: 6 });
  const y = niceAxis({ domain: shared ?? yExtent, count: 6 });
  const left = yAxisWidth({ axis: y, label: input.yLabel });
  const plotWidth = Math.max(60, width - left - rightMargin(x.labels));
  const area: PlotArea = { left, top: 12, width: plotWidth, height: input.plotHeight ?? 280 };
  const xScale = linearScale({ domain: x.domain, range: [area.left, area.left + area.width] });
  const yScale = linearScale({ domain: y.domain, range: [area.top + area.height, area.top] });
  const ticks = numericTicks({ axis: x, scale: xScale });
  const height = area.top + area.height + xAxisHeight({ ticks, label: input.xLabel }) + 4;
  if (points.length === 0) return svgRoot({ width, height, label: input.title, body: emptyNotice({ area }) });
  const lo = x.domain.min;
  const hi = x.domain.max;
  const reference = input.identityLine
    ? line({
        x1: xScale(lo),
        y1: yScale(lo),
        x2: xScale(hi),
        y2: yScale(hi),
        stroke: DANGER,
        attrs: 'stroke-dasharray="5 4" stroke-width="1.5"',
      })
    : '';
  // Many points overlap, so they are translucent and carry no tooltip each (a thousand titles bloat the page).
  const dots = points.map((p) => `<circle cx="${coord(xScale(p.x))}" cy="${coord(yScale(p.y))}" r="2.5"/>`).join('');
  const summary = `${points.length} points; x ${formatNumber(xExtent?.min)} … ${formatNumber(xExtent?.max)}`;
  const body =
    yAxis({ area, scale: yScale, axis: y, label: input.yLabel }) +
    xAxis({ area, ticks, label: input.xLabel }) +
    `<g class="points" fill="${BASE}" fill-opacity="0.45"><title>${escapeXml(summary)}</title>${dots}</g>` +
    reference;
  return svgRoot({ width, height, label: input.title, body });
}

function union(a: Domain | undefined, b: Domain | undefined): Domain | undefined {
  if (!a || !b) return a ?? b;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}
