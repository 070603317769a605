import { escapeXml } from '../format';
import { FONT_SIZE, line, svgText, textWidth } from './frame';

export interface LegendItem {
  name: string;
  color: string;
  dash?: string;
}

const MAX_CHARS = 28;
const ROW_HEIGHT = 18;
const SWATCH = 18;

/** Places legend items left to right, wrapping into rows that fit `width`. */
function layoutLegend({ items, width }: { items: LegendItem[]; width: number }) {
  const placed: Array<{ item: LegendItem; x: number; row: number }> = [];
  let x = 0;
  let row = 0;
  for (const item of items) {
    const itemWidth = SWATCH + 6 + textWidth(item.name.slice(0, MAX_CHARS)) + 18;
    if (x > 0 && x + itemWidth > width) {
      x = 0;
      row += 1;
    }
    placed.push({ item, x, row });
    x += itemWidth;
  }
  return { placed, rows: items.length === 0 ? 0 : row + 1 };
}

export function legendHeight({ items, width }: { items: LegendItem[]; width: number }): number {
  const { rows } = layoutLegend({ items, width });
  return rows === 0 ? 0 : rows * ROW_HEIGHT + 8;
}

/** Legend rows starting at (left, top); a line swatch in each series' colour and dash. */
export function legend({ items, left, top, width }: { items: LegendItem[]; left: number; top: number; width: number }) {
  const { placed } = layoutLegend({ items, width });
  const parts = placed.map(({ item, x, row }) => {
    const y = top + row * ROW_HEIGHT + ROW_HEIGHT / 2;
    const dash = item.dash ? `stroke-dasharray="${escapeXml(item.dash)}" ` : '';
    const swatch = line({
      x1: left + x,
      y1: y,
      x2: left + x + SWATCH,
      y2: y,
      stroke: item.color,
      attrs: `${dash}stroke-width="3"`,
    });
    return swatch + svgText({ x: left + x + SWATCH + 6, y: y + FONT_SIZE / 3, text: item.name, maxChars: MAX_CHARS });
  });
  return `<g class="legend">${parts.join('')}</g>`;
}
