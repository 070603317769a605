export type { FeatureDrift, MonitoringReportData, MonitoringWindow, RunCandidate, RunReportData } from './types';
export { renderRunReportHtml } from './run-html';
export { type MonitoringReportOptions, renderMonitoringReportHtml } from './monitoring-html';
export { csvField, monitoringAlertsCsv, monitoringReportCsv, runReportCsv, toCsv, trainingCurvesCsv } from './csv';
export { monitoringReportXlsx, runReportXlsx } from './xlsx';
export { escapeXml } from './format';
export type { CellValue, Tabular, TabularColumn } from './tabular';
export { type FailedRunReportData, renderFailedRunReportHtml } from './failed-run-html';
