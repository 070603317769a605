import { type Cell, Workbook, type Worksheet } from 'exceljs';
import { alertsTable, featureDriftTable, monitoringWindowsTable } from './monitoring-tables';
import { featureImportanceTable, permutationImportanceTable } from './run-importance';
import { confusionTable, residualsTable, runMetricsTable, runSummaryTable, trainingCurvesTable } from './run-tables';
import type { CellValue, Tabular, TabularColumn } from './tabular';
import type { MonitoringReportData, RunReportData } from './types';

const HEADER_FILL = 'FF1F2933';
const HEADER_FONT = 'FFFFFFFF';
const MAX_WIDTH = 80;

/** Workbook of a run: Summary, Metrics, Training curves, Confusion matrix or Residuals, and Feature importance. */
export async function runReportXlsx(data: RunReportData): Promise<Buffer> {
  const workbook = newWorkbook(data.generatedAt);
  addSheet({ workbook, name: 'Summary', table: runSummaryTable(data), wrapLast: true });
  addSheet({ workbook, name: 'Metrics', table: runMetricsTable(data) });
  addSheet({ workbook, name: 'Training curves', table: trainingCurvesTable(data) });
  if (data.task === 'classification') addSheet({ workbook, name: 'Confusion matrix', table: confusionTable(data) });
  else addSheet({ workbook, name: 'Residuals', table: residualsTable(data) });
  const importance = featureImportanceTable(data);
  if (importance.rows.length > 0) addSheet({ workbook, name: 'Feature importance', table: importance });
  const permutation = permutationImportanceTable(data);
  if (permutation.rows.length > 0) addSheet({ workbook, name: 'Permutation importance', table: permutation });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Workbook of a monitoring period: Windows, Feature drift (window × feature), Alerts. */
export async function monitoringReportXlsx(data: MonitoringReportData): Promise<Buffer> {
  const workbook = newWorkbook(data.generatedAt);
  addSheet({ workbook, name: 'Windows', table: monitoringWindowsTable(data) });
  addSheet({ workbook, name: 'Feature drift', table: featureDriftTable(data) });
  addSheet({ workbook, name: 'Alerts', table: alertsTable(data) });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Creation time from the report, not the clock, so the same data gives the same workbook metadata. */
function newWorkbook(generatedAt: string): Workbook {
  const workbook = new Workbook();
  const time = Date.parse(generatedAt);
  const created = Number.isNaN(time) ? new Date(0) : new Date(time);
  workbook.creator = 'mlops-pipelines';
  workbook.created = created;
  workbook.modified = created;
  return workbook;
}

interface AddSheetInput {
  workbook: Workbook;
  name: string;
  table: Tabular;
  /** Wrap the last column's text (long free text such as the validation summary). */
  wrapLast?: boolean;
}

function addSheet({ workbook, name, table, wrapLast = false }: AddSheetInput): Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((c, i) => ({
    header: c.name,
    key: `c${i}`,
    width: columnWidth(table, i),
    style: { numFmt: numberFormat(c) },
  }));
  for (const row of table.rows) sheet.addRow(row.map((v, i) => cellValue(v, table.columns[i])));
  // Column styles reach the header cells too, so the header is styled last.
  if (wrapLast) sheet.getColumn(table.columns.length).alignment = { wrapText: true, vertical: 'top' };
  styleHeader(sheet);
  if (table.rows.length > 0) {
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
  }
  return sheet;
}

function styleHeader(sheet: Worksheet): void {
  const header = sheet.getRow(1);
  header.height = 20;
  header.eachCell((cell: Cell) => {
    cell.font = { bold: true, color: { argb: HEADER_FONT } };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEADER_FILL } };
    cell.alignment = { vertical: 'middle', horizontal: 'left' };
    cell.border = { bottom: { style: 'thin', color: { argb: 'FF9AA5B1' } } };
  });
}

/** Dates become Excel dates (typed, sortable); anything unparseable stays the text it was. */
function cellValue(value: CellValue, column: TabularColumn | undefined): CellValue | Date {
  if (column?.kind !== 'date' || typeof value !== 'string') return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time);
}

function numberFormat(column: TabularColumn): string {
  if (column.kind === 'integer') return '#,##0';
  if (column.kind === 'date') return 'yyyy-mm-dd hh:mm:ss';
  return 'General';
}

function columnWidth(table: Tabular, index: number): number {
  const column = table.columns[index];
  if (column?.kind === 'date') return 20;
  let longest = column?.name.length ?? 8;
  for (const row of table.rows.slice(0, 2000)) {
    const value = row[index];
    // Excel's General format shows at most about 11 significant digits.
    const text = typeof value === 'number' ? String(value).slice(0, 12) : String(value ?? '');
    longest = Math.max(longest, ...text.split('\n').map((line) => line.length));
  }
  return Math.min(MAX_WIDTH, Math.max(8, longest + 2));
}
