import { escapeXml, formatCount, formatPercent, formatTimestamp } from './format';
import { type Row, badge, code, facts, safeLink, section, table } from './html/elements';
import { htmlPage } from './html/page';
import { gateSection } from './run-html';
import type { RunReportData } from './types';

type CellValue = string | number | boolean | null;

/**
 * The report of a run that ended before its report step (failed validation, a failing step, a cancellation):
 * why it stopped, its steps, and what validation found, with the failing cells and quarantined rows by source line.
 */
export interface FailedRunReportData {
  runId: string;
  pipeline: string;
  status: string;
  /** The step the run stopped at. */
  step: string | null;
  /** Why it stopped, never truncated. */
  reason: string | null;
  specHash: string;
  startedAt: string;
  endedAt: string | null;
  generatedAt: string;
  temporalUiUrl?: string;
  steps: Array<{ step: string; attempt: number; status: string; error: string | null }>;
  gate?: RunReportData['gate'];
  validation?: {
    passed: boolean;
    rowsRead: number;
    rowsAccepted: number;
    rowsQuarantined: number;
    failedChecks: Array<{
      id: string;
      severity: string;
      failedCount: number;
      message: string;
      samples: Array<{ line: number; value: CellValue }>;
    }>;
    quarantine: {
      samples: Array<{
        line: number;
        row: Record<string, CellValue>;
        reasons: Array<{ check: string; message: string }>;
      }>;
      /** More quarantined rows than the samples shown (GET /v1/runs/{id}/validation pages through them). */
      more: boolean;
    };
  };
}

export function renderFailedRunReportHtml(data: FailedRunReportData): string {
  const sections = [reasonSection(data), stepsSection(data)];
  if (data.validation) sections.push(validationSection(data.validation, data.runId));
  if (data.gate) sections.push(gateSection(data));
  return htmlPage({ title: `Run report · ${data.pipeline} · ${data.status}`, header: header(data), sections });
}

function header(data: FailedRunReportData): string {
  const pairs = facts([
    ['Run', code(data.runId)],
    ['Pipeline', data.pipeline],
    ['Status', badge({ text: data.status, tone: data.status === 'cancelled' ? 'warn' : 'bad' })],
    ['Stopped at step', data.step],
    ['Spec hash', code(data.specHash)],
    ['Started', formatTimestamp(data.startedAt)],
    ['Ended', data.endedAt ? formatTimestamp(data.endedAt) : null],
    ['Generated', formatTimestamp(data.generatedAt)],
    ['Temporal', safeLink({ url: data.temporalUiUrl, text: 'Open workflow in Temporal UI' })],
  ]);
  return `<h1>${escapeXml(data.pipeline)}</h1><p>Run report: the run ended ${escapeXml(data.status)}</p>${pairs}`;
}

function reasonSection(data: FailedRunReportData): string {
  return section({
    id: 'reason',
    title: 'Why the run stopped',
    body: `<pre>${escapeXml(data.reason ?? 'No reason was recorded.')}</pre>`,
  });
}

function stepsSection(data: FailedRunReportData): string {
  const rows: Row[] = data.steps.map((s) => ({
    cells: [s.step, s.attempt, s.status, s.error],
    className: s.status === 'failed' ? 'bad' : undefined,
  }));
  return section({
    id: 'steps',
    title: 'Steps',
    body: table({
      columns: [{ header: 'Step' }, { header: 'Attempt', numeric: true }, { header: 'Status' }, { header: 'Error' }],
      rows,
    }),
  });
}

function cellText(value: CellValue): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function validationSection(v: NonNullable<FailedRunReportData['validation']>, runId: string): string {
  const pairs = facts([
    ['Verdict', badge({ text: v.passed ? 'passed' : 'failed', tone: v.passed ? 'good' : 'bad' })],
    ['Rows read', formatCount(v.rowsRead)],
    ['Accepted', formatCount(v.rowsAccepted)],
    ['Quarantined', `${formatCount(v.rowsQuarantined)} (${formatPercent(v.rowsQuarantined, v.rowsRead)})`],
  ]);
  const checks = table({
    columns: [
      { header: 'Check' },
      { header: 'Severity' },
      { header: 'Failed', numeric: true },
      { header: 'What failed' },
      { header: 'Samples (line: value)' },
    ],
    rows: v.failedChecks.map((c) => ({
      cells: [
        c.id,
        c.severity,
        c.failedCount,
        c.message,
        c.samples.map((s) => `line ${s.line}: ${cellText(s.value)}`).join('; ') || null,
      ],
      className: c.severity === 'error' ? 'bad' : undefined,
    })),
  });
  const quarantine = table({
    columns: [{ header: 'Line', numeric: true }, { header: 'Reasons' }, { header: 'Row' }],
    rows: v.quarantine.samples.map((q) => ({
      cells: [q.line, q.reasons.map((r) => `${r.check}: ${r.message}`).join('; '), JSON.stringify(q.row)],
    })),
  });
  const more = v.quarantine.more
    ? `<p class="muted">More rows were quarantined: GET /v1/runs/${escapeXml(runId)}/validation?offset=${v.quarantine.samples.length} pages through them.</p>`
    : '';
  return section({
    id: 'validation',
    title: 'Data validation',
    body:
      pairs +
      `<h3>Failed checks (${v.failedChecks.length})</h3>${checks}` +
      `<h3>Quarantined rows (by source line)</h3>${quarantine}${more}`,
  });
}
