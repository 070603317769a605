import { escapeXml, formatCount, formatNumber, formatTimestamp } from './format';
import { type Row, badge, code, facts, html, section, table } from './html/elements';
import { htmlPage } from './html/page';
import { featureDriftSection, predictionAndQualitySection } from './monitoring-charts';
import { DEFAULT_PSI_THRESHOLD } from './monitoring-data';
import type { MonitoringReportData } from './types';

export interface MonitoringReportOptions {
  /** PSI threshold the monitor used (null: PSI disabled); defaults to the drift spec's default. */
  psiThreshold?: number | null;
}

/** The monitoring report of one model version: drift per feature over time, predictions, quality, alerts. */
export function renderMonitoringReportHtml(data: MonitoringReportData, options: MonitoringReportOptions = {}): string {
  const psiThreshold = options.psiThreshold === undefined ? DEFAULT_PSI_THRESHOLD : options.psiThreshold;
  const title = `Monitoring report · ${data.model} v${data.version}`;
  const sections = [
    featureDriftSection({ data, psiThreshold }),
    predictionAndQualitySection({ data, psiThreshold }),
    windowsSection(data),
    alertsSection(data),
    ...(data.shadow && data.shadow.length > 0 ? [shadowSection(data.shadow)] : []),
  ];
  return htmlPage({ title, header: monitoringHeader(data), sections });
}

function monitoringHeader(data: MonitoringReportData): string {
  const drifted = data.windows.filter((w) => w.drifted).length;
  const open = data.alerts.filter((a) => a.status === 'open').length;
  const first = data.windows[0];
  const last = data.windows[data.windows.length - 1];
  const pairs = facts([
    ['Model', `${data.model} v${data.version}`],
    ['Pipeline', data.pipeline],
    ['Generated', formatTimestamp(data.generatedAt)],
    [
      'Period',
      first && last ? `${formatTimestamp(first.windowStart)} → ${formatTimestamp(last.windowEnd)}` : 'no windows',
    ],
    ['Windows', formatCount(data.windows.length)],
    ['Drifted windows', badge({ text: String(drifted), tone: drifted > 0 ? 'bad' : 'good' })],
    ['Open alerts', badge({ text: String(open), tone: open > 0 ? 'warn' : 'good' })],
  ]);
  return `<h1>${escapeXml(`${data.model} v${data.version}`)}</h1><p>Monitoring report</p>${pairs}`;
}

function windowsSection(data: MonitoringReportData): string {
  const rows: Row[] = data.windows.map((w) => {
    const drifted = w.features
      .filter((f) => f.drifted)
      .map((f) => (f.featureView ? `${f.feature} (${f.featureView})` : f.feature));
    const quality = w.liveQuality ? `${w.liveQuality.metric} ${formatNumber(w.liveQuality.value)}` : undefined;
    return {
      className: w.drifted ? 'bad' : undefined,
      cells: [
        formatTimestamp(w.windowStart),
        formatTimestamp(w.windowEnd),
        formatCount(w.samples),
        badge({ text: w.drifted ? 'drift' : 'ok', tone: w.drifted ? 'bad' : 'good' }),
        drifted.length > 0 ? drifted.join(', ') : '—',
        w.prediction?.psi,
        quality,
        w.liveQuality ? formatCount(w.liveQuality.labelled) : undefined,
      ],
    };
  });
  const columns = [
    { header: 'Start' },
    { header: 'End' },
    { header: 'Samples', numeric: true },
    { header: 'Verdict' },
    { header: 'Drifted features' },
    { header: 'Prediction PSI', numeric: true },
    { header: 'Live quality', numeric: true },
    { header: 'Labelled', numeric: true },
  ];
  return section({ id: 'windows', title: 'Windows', body: table({ columns, rows }) });
}

function alertsSection(data: MonitoringReportData): string {
  const rows: Row[] = data.alerts.map((a) => ({
    className: a.status === 'open' ? 'bad' : undefined,
    cells: [
      a.id,
      a.kind,
      formatTimestamp(a.createdAt),
      badge({ text: a.status, tone: a.status === 'open' ? 'warn' : 'neutral' }),
      a.message,
      a.retrainingRunId ? code(a.retrainingRunId) : html('<span class="muted">none</span>'),
    ],
  }));
  const columns = [
    { header: 'Id', numeric: true },
    { header: 'Kind' },
    { header: 'Raised' },
    { header: 'Status' },
    { header: 'Message' },
    { header: 'Retraining run' },
  ];
  return section({ id: 'alerts', title: 'Alerts', body: table({ columns, rows }) });
}

/** Shadow comparison windows (oldest first, like the monitoring windows). */
function shadowSection(windows: NonNullable<MonitoringReportData['shadow']>): string {
  const rows: Row[] = windows.map((w) => ({
    className: w.shadowErrors > 0 ? 'bad' : undefined,
    cells: [
      formatTimestamp(w.windowStart),
      `v${w.productionVersion} / v${w.shadowVersion}`,
      formatCount(w.requests),
      formatCount(w.comparedRows),
      w.agreement === null ? undefined : `${formatNumber(w.agreement * 100)} %`,
      w.meanDelta ?? undefined,
      w.maxAbsDelta,
      w.productionLatencyMsP95 ?? undefined,
      w.shadowLatencyMsP95 ?? undefined,
      formatCount(w.shadowErrors),
    ],
  }));
  const columns = [
    { header: 'Window' },
    { header: 'Production / shadow' },
    { header: 'Requests', numeric: true },
    { header: 'Rows compared', numeric: true },
    { header: 'Agreement', numeric: true },
    { header: 'Mean delta', numeric: true },
    { header: 'Max |delta|', numeric: true },
    { header: 'p95 ms (production)', numeric: true },
    { header: 'p95 ms (shadow)', numeric: true },
    { header: 'Shadow errors', numeric: true },
  ];
  return section({ id: 'shadow', title: 'Shadow comparison', body: table({ columns, rows }) });
}
