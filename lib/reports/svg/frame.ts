import { escapeXml, truncateLabel } from '../format';
import { GRID, INK, MUTED } from './palette';
import { type NiceAxis, type Scale, coord } from './scale';

export const FONT_SIZE = 12;
const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Rough width of text in the chart font: SVG has no text metrics before layout, 0.6 em per glyph is close enough. */
export function textWidth(text: string, fontSize = FONT_SIZE): number {
  return Array.from(text).length * fontSize * 0.6;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface SvgRootInput {
  width: number;
  height: number;
  /** Accessible name (aria-label and <title>). */
  label: string;
  body: string;
}

/**
 * The root element: width and height give the natural size, the viewBox lets the page's CSS shrink it to the column
 * (max-width: 100%), and the font is set once so that every text inherits it.
 */
export function svgRoot({ width, height, label, body }: SvgRootInput): string {
  const w = coord(Math.ceil(width));
  const h = coord(Math.ceil(height));
  const title = escapeXml(label);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" ` +
    `aria-label="${title}" class="chart" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="${INK}">` +
    `<title>${title}</title>${body}</svg>`
  );
}

export interface TextInput {
  x: number;
  y: number;
  text: string;
  maxChars?: number;
  anchor?: 'start' | 'middle' | 'end';
  /** Extra attributes, already escaped by the caller. */
  attrs?: string;
}

/** A text element; cut labels keep their full text as a <title> tooltip. */
export function svgText({ x, y, text, maxChars = 60, anchor = 'start', attrs = '' }: TextInput): string {
  const cut = truncateLabel({ text, maxChars });
  const tooltip = cut.truncated ? `<title>${escapeXml(text)}</title>` : '';
  const extra = attrs ? ` ${attrs}` : '';
  return `<text x="${coord(x)}" y="${coord(y)}" text-anchor="${anchor}"${extra}>${tooltip}${escapeXml(cut.text)}</text>`;
}

export function line({ x1, y1, x2, y2, stroke, attrs = '' }: LineInput): string {
  const extra = attrs ? ` ${attrs}` : '';
  return `<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}" stroke="${stroke}"${extra}/>`;
}

interface LineInput {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  stroke: string;
  attrs?: string;
}

export function rect({ x, y, width, height, fill, attrs = '' }: RectInput): string {
  const extra = attrs ? ` ${attrs}` : '';
  const w = coord(Math.max(0, width));
  const h = coord(Math.max(0, height));
  return `<rect x="${coord(x)}" y="${coord(y)}" width="${w}" height="${h}" fill="${fill}"${extra}/>`;
}

interface RectInput {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  attrs?: string;
}

/** Centred notice in place of a plot when there is nothing to draw. */
export function emptyNotice({ area, text = 'No data' }: { area: PlotArea; text?: string }): string {
  const frame = rect({
    x: area.left,
    y: area.top,
    width: area.width,
    height: area.height,
    fill: '#fafbfc',
    attrs: `stroke="${GRID}"`,
  });
  const x = area.left + area.width / 2;
  const y = area.top + area.height / 2;
  return frame + svgText({ x, y, text, anchor: 'middle', attrs: `fill="${MUTED}"` });
}

/** Left axis: tick labels, horizontal grid lines across the plot and the rotated axis title. */
export function yAxis({ area, scale, axis, label }: AxisInput): string {
  const parts = axis.ticks.map((t, i) => {
    const y = scale(t);
    const grid = line({ x1: area.left, y1: y, x2: area.left + area.width, y2: y, stroke: GRID });
    return grid + svgText({ x: area.left - 6, y: y + 4, text: axis.labels[i] ?? '', anchor: 'end' });
  });
  if (label) {
    const x = 14;
    const y = area.top + area.height / 2;
    const maxChars = Math.max(6, Math.floor(area.height / (FONT_SIZE * 0.6)));
    parts.push(
      svgText({
        x,
        y,
        text: label,
        maxChars,
        anchor: 'middle',
        attrs: `transform="rotate(-90 ${coord(x)} ${coord(y)})"`,
      }),
    );
  }
  return `<g class="y-axis" fill="${MUTED}">${parts.join('')}</g>`;
}

export interface AxisInput {
  area: PlotArea;
  scale: Scale;
  axis: NiceAxis;
  label?: string;
}

/** Left margin that fits the y tick labels and, when there is one, the rotated axis title. */
export function yAxisWidth({ axis, label }: { axis: NiceAxis; label?: string }): number {
  return Math.ceil(Math.max(0, ...axis.labels.map((l) => textWidth(l)))) + 14 + (label ? 22 : 0);
}

/** Ticks of a numeric x axis at their positions. */
export function numericTicks({ axis, scale }: { axis: NiceAxis; scale: Scale }): CategoryTick[] {
  return axis.ticks.map((t, i) => ({ position: scale(t), label: axis.labels[i] ?? '' }));
}

/** Right margin that keeps the last x label, centred on its tick, inside the SVG. */
export function rightMargin(labels: string[]): number {
  const last = labels[labels.length - 1] ?? '';
  return Math.max(16, Math.ceil(textWidth(last) / 2) + 6);
}

export interface CategoryTick {
  position: number;
  label: string;
}

/** Bottom axis; labels rotate when they would collide and thin out when even rotated ones would. */
export function xAxis({ area, ticks, label, maxChars = 18 }: XAxisInput): string {
  const bottom = area.top + area.height;
  const layout = xLabelLayout({ ticks, maxChars });
  const parts = [line({ x1: area.left, y1: bottom, x2: area.left + area.width, y2: bottom, stroke: MUTED })];
  ticks.forEach((t, i) => {
    parts.push(line({ x1: t.position, y1: bottom, x2: t.position, y2: bottom + 4, stroke: MUTED }));
    if (i % layout.every !== 0) return;
    const y = bottom + 16;
    const attrs = layout.rotated ? `transform="rotate(-40 ${coord(t.position)} ${coord(y)})"` : '';
    const anchor = layout.rotated ? 'end' : 'middle';
    parts.push(svgText({ x: t.position, y, text: t.label, maxChars, anchor, attrs }));
  });
  if (label) {
    const y = bottom + xAxisHeight({ ticks, maxChars, label }) - 4;
    parts.push(svgText({ x: area.left + area.width / 2, y, text: label, anchor: 'middle', maxChars: 80 }));
  }
  return `<g class="x-axis" fill="${MUTED}">${parts.join('')}</g>`;
}

export interface XAxisInput {
  area: PlotArea;
  ticks: CategoryTick[];
  label?: string;
  maxChars?: number;
}

function xLabelLayout({ ticks, maxChars }: { ticks: CategoryTick[]; maxChars: number }) {
  const longest = Math.max(0, ...ticks.map((t) => Math.min(maxChars, Array.from(t.label).length)));
  const spacing = ticks.length > 1 ? Math.abs((ticks[1]?.position ?? 0) - (ticks[0]?.position ?? 0)) : Infinity;
  const rotated = longest * FONT_SIZE * 0.6 + 6 > spacing;
  // Rotated labels need about one line height of horizontal room each.
  const every = rotated ? Math.max(1, Math.ceil((FONT_SIZE + 2) / Math.max(1, spacing))) : 1;
  return { rotated, every, longest };
}

/** Room the bottom axis needs below the plot, including its title line. */
export function xAxisHeight({ ticks, maxChars = 18, label }: XAxisHeightInput): number {
  const layout = xLabelLayout({ ticks, maxChars });
  const labels = layout.rotated ? layout.longest * FONT_SIZE * 0.6 * Math.sin((40 * Math.PI) / 180) + 16 : 20;
  return labels + (label ? 22 : 4);
}

interface XAxisHeightInput {
  ticks: CategoryTick[];
  maxChars?: number;
  label?: string;
}
