/** Tableau 10: distinguishable categorical colours that stay readable on white. */
export const SERIES_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** Past ten series the colours repeat, so the dash pattern tells them apart. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3'] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? '#4e79a7';
}

export function seriesDash(index: number): string {
  return DASHES[Math.floor(index / SERIES_COLORS.length) % DASHES.length] ?? '';
}

export const INK = '#1f2933';
export const MUTED = '#616e7c';
export const GRID = '#e4e7eb';
export const ACCENT = '#f28e2b';
export const BASE = '#4e79a7';
export const DANGER = '#c62828';
export const MISSING = '#eceff1';

export type Scheme = 'blues' | 'reds';

/** ColorBrewer Blues and OrRd, from light to dark. */
const SCHEMES: Record<Scheme, Array<[number, number, number]>> = {
  blues: [
    [247, 251, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ],
  reds: [
    [255, 247, 236],
    [253, 212, 158],
    [252, 141, 89],
    [215, 48, 31],
    [127, 0, 0],
  ],
};

/** Colour at position t ∈ [0, 1] of a sequential scheme (t is clamped; NaN counts as 0). */
export function sequentialColor({ t, scheme }: { t: number; scheme: Scheme }): string {
  const stops = SCHEMES[scheme];
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const position = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(position));
  const f = position - i;
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  const channel = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `#${[channel(0), channel(1), channel(2)].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Dark cells get white text: beyond about the middle of both schemes the contrast with dark ink is too low. */
export function textColorOn(t: number): string {
  return Number.isFinite(t) && t > 0.55 ? '#ffffff' : INK;
}
