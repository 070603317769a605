import { escapeXml, formatNumber } from '../format';

/** Markup built here; plain strings are always escaped, so only this wrapper carries trusted HTML. */
export interface Html {
  html: string;
}

export type Cell = string | number | boolean | null | undefined | Html;

export function html(markup: string): Html {
  return { html: markup };
}

export function renderCell(value: Cell): string {
  if (value == null) return '—';
  if (typeof value === 'object') return value.html;
  if (typeof value === 'number') return escapeXml(formatNumber(value));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return escapeXml(value);
}

export interface Column {
  header: string;
  numeric?: boolean;
}

export interface Row {
  cells: Cell[];
  className?: string;
}

export function table({ columns, rows, caption }: { columns: Column[]; rows: Row[]; caption?: string }): string {
  const head = columns.map((c) => `<th${c.numeric ? ' class="num"' : ''} scope="col">${escapeXml(c.header)}</th>`);
  const body = rows.map((row) => {
    const cells = row.cells.map(
      (cell, i) => `<td${columns[i]?.numeric ? ' class="num"' : ''}>${renderCell(cell)}</td>`,
    );
    return `<tr${row.className ? ` class="${escapeXml(row.className)}"` : ''}>${cells.join('')}</tr>`;
  });
  const captionHtml = caption ? `<caption>${escapeXml(caption)}</caption>` : '';
  const empty = rows.length === 0 ? `<tr><td colspan="${columns.length}" class="empty">None</td></tr>` : '';
  return (
    `<div class="table-wrap"><table>${captionHtml}<thead><tr>${head.join('')}</tr></thead>` +
    `<tbody>${body.join('')}${empty}</tbody></table></div>`
  );
}

export function section({ id, title, body }: { id: string; title: string; body: string }): string {
  return `<section id="${escapeXml(id)}"><h2>${escapeXml(title)}</h2>${body}</section>`;
}

/** Definition list of facts, e.g. run id, model, code version. */
export function facts(pairs: Array<[string, Cell]>): string {
  const items = pairs.map(([k, v]) => `<div><dt>${escapeXml(k)}</dt><dd>${renderCell(v)}</dd></div>`);
  return `<dl class="facts">${items.join('')}</dl>`;
}

export function badge({ text, tone }: { text: string; tone: 'good' | 'bad' | 'neutral' | 'warn' }): Html {
  return html(`<span class="badge ${tone}">${escapeXml(text)}</span>`);
}

export function code(text: string): Html {
  return html(`<code>${escapeXml(text)}</code>`);
}

/** A figure per chart; the caption says what the reader is looking at. */
export function figure({ svg, caption }: { svg: string; caption: string }): string {
  return `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

export function chartGrid(figures: string[]): string {
  return figures.length === 0
    ? '<p class="muted">No charts: no data.</p>'
    : `<div class="charts">${figures.join('')}</div>`;
}

/** Only http(s) links become anchors: a javascript: or data: URL from the data must never be clickable. */
export function safeLink({ url, text }: { url: string | undefined; text: string }): Cell {
  if (!url || !/^https?:\/\//i.test(url)) return url ? code(url) : undefined;
  return html(`<a href="${escapeXml(url)}" rel="noopener noreferrer">${escapeXml(text)}</a>`);
}
