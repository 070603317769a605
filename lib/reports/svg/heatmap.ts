import { escapeXml, formatNumber } from '../format';
import { FONT_SIZE, rect, svgRoot, svgText, textWidth, xAxis, xAxisHeight } from './frame';
import { INK, MISSING, MUTED, type Scheme, sequentialColor, textColorOn } from './palette';
import { type Domain, coord, extent, linearScale } from './scale';

export interface HeatmapInput {
  title: string;
  rows: string[];
  columns: string[];
  /** values[row][column]; null or non-finite cells are drawn as missing. */
  values: Array<Array<number | null>>;
  /** Text inside each cell; defaults to the formatted value. */
  cellLabels?: Array<Array<string | undefined>>;
  /** Shorter text for cells too narrow for their label (e.g. the count without its share). */
  shortCellLabels?: Array<Array<string | undefined>>;
  /** Row labels are cut to this many characters (default 24), leaving the width to the cells. */
  rowLabelChars?: number;
  /** Cells drawn with a heavy border (e.g. drifted). */
  outlined?: Array<Array<boolean | undefined>>;
  /** Colour domain; defaults to 0 … max of the values. */
  colorDomain?: Domain;
  scheme?: Scheme;
  xLabel?: string;
  yLabel?: string;
  legendLabel?: string;
  maxWidth?: number;
  /** Upper bounds of a cell's size: small matrices get big cells, up to these. */
  maxCellWidth?: number;
  maxCellHeight?: number;
}

const LEGEND_STEPS = 8;
const TOP = 10;

export function heatmap(input: HeatmapInput): string {
  const { rows, columns } = input;
  const maxWidth = input.maxWidth ?? 720;
  const rowLabelChars = input.rowLabelChars ?? 24;
  const rowLabelWidth = Math.max(0, ...rows.map((r) => textWidth(r.slice(0, rowLabelChars))));
  const left = Math.ceil(rowLabelWidth) + 12 + (input.yLabel ? 22 : 0);
  const legendWidth = 96;
  const cellWidth = clamp((maxWidth - left - legendWidth) / Math.max(1, columns.length), 10, input.maxCellWidth ?? 96);
  // Cells no taller than about their width: a narrow, tall cell reads as a bar, not a cell.
  const cellHeight = clamp(
    360 / Math.max(1, rows.length),
    12,
    Math.min(input.maxCellHeight ?? 34, Math.max(24, cellWidth * 0.75)),
  );
  const area = { left, top: TOP, width: cellWidth * columns.length, height: cellHeight * rows.length };
  const ticks = columns.map((label, i) => ({ position: left + cellWidth * (i + 0.5), label }));
  const height = Math.max(area.top + area.height + xAxisHeight({ ticks, label: input.xLabel }), area.top + 150) + 4;
  const width = area.left + area.width + legendWidth;
  const domain = colorDomainOf(input);
  const t = linearScale({ domain, range: [0, 1] });
  // One label style per matrix: mixing "400" with "3 (1%)" would read as two kinds of number.
  const short = !(input.cellLabels ?? []).flat().every((l) => l === undefined || fits(l, cellWidth, cellHeight));
  const cells = rows.map((_, r) =>
    columns.map((__, c) => cell({ input, r, c, t, cellWidth, cellHeight, left, short })),
  );
  const labels = rows.map((text, r) => {
    const y = area.top + cellHeight * (r + 0.5) + FONT_SIZE / 3;
    return svgText({ x: left - 8, y, text, anchor: 'end', maxChars: rowLabelChars });
  });
  const body =
    `<g class="cells">${cells.flat().join('')}</g>` +
    `<g class="row-labels" fill="${MUTED}">${labels.join('')}${yTitle(input, area)}</g>` +
    xAxis({ area, ticks, label: input.xLabel }) +
    colorLegend({ input, domain, x: area.left + area.width + 24, y: area.top });
  return svgRoot({ width, height, label: input.title, body });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function colorDomainOf(input: HeatmapInput): Domain {
  if (input.colorDomain) return input.colorDomain;
  const found = extent(input.values.flat().filter((v): v is number => v != null));
  const min = Math.min(0, found?.min ?? 0);
  const max = found?.max ?? 1;
  return { min, max: max > min ? max : min + 1 };
}

interface CellInput {
  input: HeatmapInput;
  r: number;
  c: number;
  t: (v: number) => number;
  cellWidth: number;
  cellHeight: number;
  left: number;
  /** Use shortCellLabels where given. */
  short: boolean;
}

function cell({ input, r, c, t, cellWidth, cellHeight, left, short }: CellInput): string {
  const raw = input.values[r]?.[c];
  const value = raw != null && Number.isFinite(raw) ? raw : undefined;
  const x = left + cellWidth * c;
  const y = TOP + cellHeight * r;
  const position = value === undefined ? NaN : t(value);
  const fill = value === undefined ? MISSING : sequentialColor({ t: position, scheme: input.scheme ?? 'blues' });
  const label = input.cellLabels?.[r]?.[c] ?? (value === undefined ? 'n/a' : formatNumber(value, 3));
  const tip = `${input.rows[r] ?? ''} × ${input.columns[c] ?? ''}: ${label}`;
  const outline = input.outlined?.[r]?.[c] ? `stroke="${INK}" stroke-width="2.5"` : 'stroke="#ffffff" stroke-width="1"';
  const inset = input.outlined?.[r]?.[c] ? 1.5 : 0;
  const box = rect({
    x: x + inset,
    y: y + inset,
    width: cellWidth - 2 * inset,
    height: cellHeight - 2 * inset,
    fill,
    attrs: outline,
  });
  const candidate = (short ? input.shortCellLabels?.[r]?.[c] : undefined) ?? label;
  const shown = fits(candidate, cellWidth, cellHeight) ? candidate : undefined;
  const text =
    shown === undefined
      ? ''
      : svgText({
          x: x + cellWidth / 2,
          y: y + cellHeight / 2 + 4,
          text: shown,
          anchor: 'middle',
          attrs: `font-size="11" fill="${value === undefined ? MUTED : textColorOn(position)}"`,
        });
  return `<g>${box.replace('/>', `><title>${escapeXml(tip)}</title></rect>`)}${text}</g>`;
}

function fits(label: string, cellWidth: number, cellHeight: number): boolean {
  return textWidth(label, 11) + 4 <= cellWidth && cellHeight >= 14;
}

function yTitle(input: HeatmapInput, area: { top: number; height: number }): string {
  if (!input.yLabel) return '';
  const y = area.top + area.height / 2;
  return svgText({ x: 14, y, text: input.yLabel, anchor: 'middle', attrs: `transform="rotate(-90 14 ${coord(y)})"` });
}

/** Discrete steps rather than a gradient: gradients need ids, and ids collide between SVGs inlined in one page. */
function colorLegend({ input, domain, x, y }: { input: HeatmapInput; domain: Domain; x: number; y: number }): string {
  const stepHeight = 14;
  const parts: string[] = [];
  for (let i = 0; i < LEGEND_STEPS; i++) {
    const t = 1 - i / (LEGEND_STEPS - 1);
    const fill = sequentialColor({ t, scheme: input.scheme ?? 'blues' });
    parts.push(rect({ x, y: y + 16 + i * stepHeight, width: 14, height: stepHeight, fill }));
  }
  const bottom = y + 16 + LEGEND_STEPS * stepHeight;
  parts.push(svgText({ x: x + 18, y: y + 26, text: formatNumber(domain.max, 3), attrs: `fill="${MUTED}"` }));
  parts.push(svgText({ x: x + 18, y: bottom - 2, text: formatNumber(domain.min, 3), attrs: `fill="${MUTED}"` }));
  if (input.legendLabel)
    parts.push(svgText({ x, y: y + 8, text: input.legendLabel, maxChars: 12, attrs: `fill="${MUTED}"` }));
  return `<g class="color-legend">${parts.join('')}</g>`;
}
