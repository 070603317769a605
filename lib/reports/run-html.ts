import { escapeXml, formatCount, formatPercent, formatTimestamp } from './format';
import { type Row, badge, code, facts, safeLink, section, table } from './html/elements';
import { htmlPage } from './html/page';
import { metricsSection } from './run-metrics';
import { classificationSection, regressionSection, trainingCurvesSection } from './run-charts';
import { importanceSection, permutationSection } from './run-importance';
import type { RunReportData } from './types';

/** The run report: one self-contained HTML file (inline CSS and SVG, no scripts, no fetches). */
export function renderRunReportHtml(data: RunReportData): string {
  const title = `Run report · ${data.pipeline} · ${data.model}`;
  const sections = [
    dataSection(data),
    gateSection(data),
    metricsSection(data),
    trainingCurvesSection(data),
    data.task === 'classification' ? classificationSection(data) : regressionSection(data),
    permutationSection(data),
    importanceSection(data),
  ];
  return htmlPage({ title, header: runHeader(data), sections });
}

function runHeader(data: RunReportData): string {
  const gate = data.gate
    ? badge({ text: data.gate.passed ? 'gate passed' : 'gate failed', tone: data.gate.passed ? 'good' : 'bad' })
    : badge({ text: 'no gate', tone: 'neutral' });
  const pairs = facts([
    ['Run', code(data.runId)],
    ['Pipeline', data.pipeline],
    ['Model', data.model],
    ['Task', data.task],
    ['Best candidate', data.best],
    ['Primary metric', data.primaryMetric],
    ['Code version', code(data.codeVersion)],
    ['Spec hash', code(data.specHash)],
    ['Generated', formatTimestamp(data.generatedAt)],
    ['Gate', gate],
    ['Temporal', safeLink({ url: data.temporalUiUrl, text: 'Open workflow in Temporal UI' })],
  ]);
  return `<h1>${escapeXml(`${data.pipeline} · ${data.model}`)}</h1><p>Training run report</p>${pairs}`;
}

function dataSection(data: RunReportData): string {
  const d = data.data;
  const pairs = facts([
    ['Raw data', code(d.rawUri)],
    ['SHA-256', code(d.rawSha256)],
    ['Rows', formatCount(d.rows)],
    ['Quarantined rows', `${formatCount(d.quarantinedRows)} (${formatPercent(d.quarantinedRows, d.rows)})`],
    ['ABT table', code(d.abtTable)],
    [
      'Split (train / validation / test)',
      `${formatCount(d.split.train)} / ${formatCount(d.split.validation)} / ${formatCount(d.split.test)}`,
    ],
  ]);
  const chips = d.features.map((f) => `<code>${escapeXml(f)}</code>`).join('');
  const views = data.featureViews?.length
    ? '<h3>Feature views (point-in-time join)</h3>' +
      table({
        columns: [
          { header: 'View' },
          { header: 'Version' },
          { header: 'Content hash' },
          { header: 'Join keys' },
          { header: 'Columns' },
        ],
        rows: data.featureViews.map((v) => ({
          cells: [v.name, `v${v.version}`, code(v.hash.slice(0, 12)), v.joinKeys.join(', '), v.columns.join(', ')],
        })),
      })
    : '';
  return section({
    id: 'data',
    title: 'Data and validation',
    body:
      pairs +
      splitBar(d.split) +
      views +
      `<h3>Features (${d.features.length})</h3><div class="chips">${chips || '<span class="muted">none</span>'}</div>` +
      `<h3>Validation</h3><pre>${escapeXml(d.validationSummary || 'No validation summary.')}</pre>`,
  });
}

const SPLIT_COLORS = [
  ['train', '#4e79a7'],
  ['validation', '#f28e2b'],
  ['test', '#59a14f'],
] as const;

/** Proportions of the split as a bar; plain spans with widths in percent, so it needs neither SVG nor script. */
function splitBar(split: RunReportData['data']['split']): string {
  const total = split.train + split.validation + split.test;
  if (!(total > 0)) return '';
  const parts = SPLIT_COLORS.map(([name, color]) => {
    const n = Math.max(0, split[name]);
    const width = ((100 * n) / total).toFixed(2);
    return `<span style="width:${width}%;background:${color}" title="${name}: ${formatPercent(n, total)}"></span>`;
  });
  const key = SPLIT_COLORS.map(
    ([name, color]) => `<span><i style="background:${color}"></i>${name} ${formatPercent(split[name], total)}</span>`,
  );
  return (
    `<div class="split" role="img" aria-label="Split proportions">${parts.join('')}</div>` +
    `<div class="split-key">${key.join('')}</div>`
  );
}

export function gateSection(data: Pick<RunReportData, 'gate'>): string {
  if (!data.gate) {
    return section({ id: 'gate', title: 'Quality gate', body: '<p class="muted">No quality gate was evaluated.</p>' });
  }
  const rows: Row[] = data.gate.checks.map((c) => ({
    cells: [c.check, badge({ text: c.passed ? 'pass' : 'fail', tone: c.passed ? 'good' : 'bad' }), c.detail],
    className: c.passed ? undefined : 'bad',
  }));
  const verdict = badge({ text: data.gate.passed ? 'passed' : 'failed', tone: data.gate.passed ? 'good' : 'bad' });
  return section({
    id: 'gate',
    title: 'Quality gate',
    body:
      `<p>${verdict.html} ${escapeXml(data.gate.summary)}</p>` +
      table({ columns: [{ header: 'Check' }, { header: 'Result' }, { header: 'Detail' }], rows }),
  });
}
