import { alertsTable, featureDriftTable } from './monitoring-tables';
import { runMetricsTable, trainingCurvesTable } from './run-tables';
import type { CellValue, Tabular } from './tabular';
import type { MonitoringReportData, RunReportData } from './types';

/** RFC 4180 field: quoted (quotes doubled) when it holds a comma, quote, CR or LF, or starts/ends with a space. */
export function csvField(value: CellValue): string {
  if (value == null) return '';
  const raw = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  // A text cell starting with = + - @ (or tab/CR) is a formula to a spreadsheet: quote it as text (OWASP CSV
  // injection). Numbers are written as numbers.
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: CRLF after every record, the header first. */
export function toCsv(table: Tabular): string {
  const lines = [table.columns.map((c) => c.name), ...table.rows].map((row) => row.map(csvField).join(','));
  return lines.map((l) => `${l}\r\n`).join('');
}

/** One row per candidate with every metric and its training facts. */
export function runReportCsv(data: RunReportData): string {
  return toCsv(runMetricsTable(data));
}

/** One row per candidate and epoch. */
export function trainingCurvesCsv(data: RunReportData): string {
  return toCsv(trainingCurvesTable(data));
}

/** One row per window × feature. */
export function monitoringReportCsv(data: MonitoringReportData): string {
  return toCsv(featureDriftTable(data));
}

/** One row per alert. */
export function monitoringAlertsCsv(data: MonitoringReportData): string {
  return toCsv(alertsTable(data));
}
