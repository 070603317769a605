import { type CellValue, Workbook, type Worksheet } from 'exceljs';
import { monitoringReportXlsx, runReportXlsx } from '../../../lib/reports';
import { classificationRun, monitoringPeriod, regressionRun } from '../../fixtures/reports';

async function read(buffer: Buffer): Promise<Workbook> {
  const workbook = new Workbook();
  // exceljs types its input as its own Buffer (an ArrayBuffer); a Node Buffer is what it actually reads.
  await workbook.xlsx.load(buffer as unknown as Parameters<Workbook['xlsx']['load']>[0]);
  return workbook;
}

function header(sheet: Worksheet | undefined): CellValue[] {
  return ((sheet?.getRow(1).values ?? []) as CellValue[]).slice(1);
}

/** Rows below the header as arrays (exceljs rows are 1-based with an empty slot 0). */
function body(sheet: Worksheet | undefined): CellValue[][] {
  const rows: CellValue[][] = [];
  sheet?.eachRow((row, n) => {
    if (n > 1) rows.push((row.values as CellValue[]).slice(1));
  });
  return rows;
}

function column(sheet: Worksheet | undefined, name: string): CellValue[] {
  const index = header(sheet).indexOf(name);
  expect(index).toBeGreaterThanOrEqual(0);
  return body(sheet).map((r) => r[index] ?? null);
}

function expectStyledFrozenHeader(sheet: Worksheet | undefined): void {
  expect(sheet?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  expect(sheet?.getRow(1).getCell(1).font?.bold).toBe(true);
  for (let i = 1; i <= header(sheet).length; i++) {
    const width = sheet?.getColumn(i).width ?? 0;
    expect(width).toBeGreaterThanOrEqual(8);
    expect(width).toBeLessThanOrEqual(80);
  }
}

describe('run report workbook', () => {
  it('classification: Summary, Metrics, Training curves and Confusion matrix with typed cells', async () => {
    const data = classificationRun();
    const workbook = await read(await runReportXlsx(data));
    expect(workbook.worksheets.map((s) => s.name)).toEqual([
      'Summary',
      'Metrics',
      'Training curves',
      'Confusion matrix',
    ]);
    workbook.worksheets.forEach(expectStyledFrozenHeader);

    const summary = workbook.getWorksheet('Summary');
    expect(header(summary)).toEqual(['Field', 'Value']);
    const facts = new Map(body(summary).map(([k, v]) => [k, v]));
    expect(facts.get('Run id')).toBe(data.runId);
    expect(facts.get('Rows')).toBe(2000);
    expect(facts.get('Gate passed')).toBe(true);
    expect(facts.get('Gate check: roc_auc >= 0.80')).toBe('PASS: roc_auc 0.8874 >= 0.80');

    const metrics = workbook.getWorksheet('Metrics');
    expect(header(metrics).slice(0, 3)).toEqual(['run_id', 'candidate', 'kind']);
    expect(column(metrics, 'roc_auc')).toEqual(data.candidates.map((c) => c.metrics.roc_auc));
    expect(column(metrics, 'log_loss')).toEqual(data.candidates.map((c) => c.metrics.log_loss));
    expect(column(metrics, 'epochs_run')).toEqual([30, 30]);
    expect(column(metrics, 'best')).toEqual([false, true]);

    const curves = workbook.getWorksheet('Training curves');
    expect(body(curves)).toHaveLength(60);
    expect(column(curves, 'val_loss').slice(0, 3)).toEqual(
      data.candidates[0]?.history.slice(0, 3).map((h) => h.valLoss),
    );

    const confusion = workbook.getWorksheet('Confusion matrix');
    expect(header(confusion)).toEqual([
      'candidate',
      'true_class',
      'predicted: no',
      'predicted: yes',
      'precision',
      'recall',
      'f1',
      'support',
    ]);
    expect(body(confusion)[3]).toEqual(['mlp', 'yes', 15, 54, 0.7105, 0.7826, 0.7448, 69]);
  });

  it('regression: a Residuals sheet with actual, predicted and residual', async () => {
    const data = regressionRun();
    const workbook = await read(await runReportXlsx(data));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Metrics', 'Training curves', 'Residuals']);
    const residuals = workbook.getWorksheet('Residuals');
    expect(header(residuals)).toEqual(['candidate', 'actual', 'predicted', 'residual']);
    const rows = body(residuals);
    expect(rows).toHaveLength(600);
    const first = data.candidates[0]?.residuals?.[0];
    expect(rows[0]).toEqual([
      'linear',
      first?.actual,
      first?.predicted,
      (first?.actual ?? 0) - (first?.predicted ?? 0),
    ]);
    expect(column(workbook.getWorksheet('Metrics'), 'rmse')).toEqual(data.candidates.map((c) => c.metrics.rmse));
  });

  it('adds a Feature importance sheet when a candidate has native importance', async () => {
    const data = regressionRun();
    const [first] = data.candidates;
    if (!first) throw new Error('fixture has candidates');
    first.featureImportance = {
      type: 'gain',
      features: [
        { feature: 'sqft', importance: 0.9 },
        { feature: 'age', importance: 0.1 },
      ],
    };
    const workbook = await read(await runReportXlsx(data));
    const sheet = workbook.getWorksheet('Feature importance');
    expect(header(sheet)).toEqual(['candidate', 'type', 'rank', 'feature', 'importance']);
    expect(body(sheet)).toEqual([
      [first.candidate, 'gain', 1, 'sqft', 0.9],
      [first.candidate, 'gain', 2, 'age', 0.1],
    ]);
  });

  it('leaves cells empty for missing or non-finite values instead of writing text', async () => {
    const data = regressionRun();
    data.candidates[0] = { ...data.candidates[0]!, metrics: { rmse: NaN, mae: Infinity, r2: 0.5 } };
    const metrics = (await read(await runReportXlsx(data))).getWorksheet('Metrics');
    expect(column(metrics, 'rmse')[0] ?? null).toBeNull();
    expect(column(metrics, 'mae')[0] ?? null).toBeNull();
    expect(column(metrics, 'r2')[0]).toBe(0.5);
  });
});

describe('monitoring workbook', () => {
  it('has Windows, Feature drift and Alerts with dates, numbers and retraining runs', async () => {
    const data = monitoringPeriod();
    const workbook = await read(await monitoringReportXlsx(data));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Windows', 'Feature drift', 'Alerts']);
    workbook.worksheets.forEach(expectStyledFrozenHeader);

    const windows = workbook.getWorksheet('Windows');
    expect(body(windows)).toHaveLength(12);
    expect(column(windows, 'window_start')[0]).toEqual(new Date('2024-05-01T00:00:00.000Z'));
    expect(column(windows, 'samples')).toEqual(data.windows.map((w) => w.samples));
    expect(column(windows, 'drifted_features')).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);

    const drift = workbook.getWorksheet('Feature drift');
    expect(body(drift)).toHaveLength(84);
    expect(column(drift, 'psi')).toEqual(data.windows.flatMap((w) => w.features.map((f) => f.psi)));
    // Columns that came from a feature view name it; this model's did not.
    expect(header(drift).at(-1)).toBe('feature_view');
    expect(column(drift, 'feature_view').every((v) => v === null || v === undefined)).toBe(true);

    const alerts = workbook.getWorksheet('Alerts');
    expect(header(alerts)).toEqual(['id', 'kind', 'created_at', 'status', 'message', 'retraining_run_id']);
    expect(column(alerts, 'id')).toEqual([41, 42, 43]);
    expect(column(alerts, 'retraining_run_id')[0]).toBe('churn-retrain-20240509T000112Z-7f3a0d');
  });

  it('writes a valid workbook for a period without windows or alerts', async () => {
    const data = { ...monitoringPeriod(), windows: [], alerts: [] };
    const workbook = await read(await monitoringReportXlsx(data));
    expect(workbook.worksheets.map((s) => header(s).length)).toEqual([11, 16, 6]);
  });
});
