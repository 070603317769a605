import { recordArtifact } from '../../../lib/metadata/artifacts';
import { renderRunReportHtml, runReportCsv, runReportXlsx } from '../../../lib/reports';
import { classificationRun } from '../../fixtures/reports';
import type { ApiHarness } from './harness';

/** Report artifacts for a run whose activities were test doubles: what the real report step stores. */
export async function storeRunReport(h: ApiHarness, runId: string): Promise<void> {
  const data = { ...classificationRun(), runId };
  const files: Array<[string, string | Buffer]> = [
    ['report.json', JSON.stringify(data)],
    ['report.html', renderRunReportHtml(data)],
    ['metrics.csv', runReportCsv(data)],
    ['report.xlsx', await runReportXlsx(data)],
  ];
  for (const [name, body] of files) {
    const key = `runs/${runId}/report/${name}`;
    const info = await h.store.put(key, body);
    await recordArtifact(h.db, {
      runId,
      step: 'report',
      name,
      kind: 'report',
      uri: h.store.uri(key),
      storeKey: key,
      sha256: info.sha256,
      sizeBytes: info.size,
    });
  }
}

/** The validation report.json and quarantine.jsonl a validate step stores: two rows quarantined by a range check. */
export async function storeValidationReport(h: ApiHarness, runId: string): Promise<void> {
  const check = {
    id: 'range:age',
    kind: 'range',
    column: 'age',
    severity: 'error',
    passed: false,
    failedCount: 2,
    expected: { min: 0 },
    observed: { min: -3 },
    samples: [
      { line: 4, value: -1 },
      { line: 9, value: -3 },
    ],
    message: '2 values below the minimum 0',
  };
  const report = {
    passed: true,
    rowsRead: 100,
    rowsAccepted: 98,
    rowsQuarantined: 2,
    schema: { columns: [{ name: 'age', type: 'integer' }] },
    checks: [check],
    summary: 'Validation PASSED',
  };
  const quarantine = [4, 9].map((line) => ({
    line,
    row: { age: -1 },
    reasons: [{ check: 'range:age', message: 'below 0' }],
  }));
  const files: Array<[string, string, string]> = [
    ['report.json', 'validation_report', JSON.stringify(report)],
    ['quarantine.jsonl', 'quarantine', quarantine.map((q) => JSON.stringify(q)).join('\n')],
  ];
  for (const [name, kind, body] of files) {
    const key = `runs/${runId}/validate/${name}`;
    const info = await h.store.put(key, body);
    await recordArtifact(h.db, {
      runId,
      step: 'validate',
      name,
      kind: kind as 'quarantine',
      uri: h.store.uri(key),
      storeKey: key,
      sha256: info.sha256,
      sizeBytes: info.size,
    });
  }
}

/** One monitoring window (one feature drifting) and its alert, for a registered model version. */
export async function storeMonitoringWindow(
  h: ApiHarness,
  input: { model: string; versionId: number; version: number },
) {
  const feature = (name: string, psi: number, drifted: boolean) => ({
    feature: name,
    type: 'numeric',
    kind: 'numeric',
    referenceCount: 200,
    currentCount: 300,
    missingRatio: { reference: 0, current: 0 },
    psi,
    ks: { statistic: drifted ? 0.4 : 0.05, pValue: drifted ? 1e-9 : 0.6 },
    chi2: null,
    jsDistance: drifted ? 0.3 : 0.02,
    insufficientData: false,
    drifted,
    reasons: drifted ? [`psi ${psi} > 0.2`] : [],
  });
  const [report] = await h
    .db('monitoring_reports')
    .insert({
      monitor_id: `monitor-doc-${input.versionId}`,
      model: input.model,
      version_id: input.versionId,
      version: input.version,
      window_index: 1,
      window_start: new Date(Date.now() - 3_600_000),
      window_end: new Date(),
      samples: 300,
      drifted: true,
      drifted_features: ['x'],
      feature_drift: JSON.stringify([feature('x', 0.9, true)]),
      live_quality: JSON.stringify({ metric: 'accuracy', value: 0.8, labelled: 40 }),
    })
    .returning('id');
  const [alert] = await h
    .db('alerts')
    .insert({
      model: input.model,
      version_id: input.versionId,
      report_id: (report as { id: number }).id,
      kind: 'drift',
      message: 'drift in x',
      action: 'notify',
    })
    .returning('id');
  return { alertId: Number((alert as { id: number }).id) };
}
