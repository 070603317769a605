import { escapeXml, formatNumber } from './format';
import { type Row, chartGrid, figure, section, table } from './html/elements';
import { residualOf } from './metrics';
import { isBest } from './run-metrics';
import { type LineSeries, heatmap, histogram, lineChart, scatter } from './svg';
import type { RunCandidate, RunReportData } from './types';

type HistoryEntry = RunCandidate['history'][number];

function seriesOf(history: HistoryEntry[], pick: (h: HistoryEntry) => number | undefined) {
  return history.flatMap((h) => {
    const y = pick(h);
    return y === undefined ? [] : [{ x: h.epoch, y }];
  });
}

/** Loss and validation loss per candidate, then the validation metric of all candidates on one chart. */
export function trainingCurvesSection(data: RunReportData): string {
  const perCandidate = data.candidates.map((c) => {
    const series: LineSeries[] = [
      { name: 'loss (train)', points: seriesOf(c.history, (h) => h.loss) },
      { name: 'val loss', points: seriesOf(c.history, (h) => h.valLoss) },
    ];
    const notes = [
      `${c.epochsRun} epochs`,
      c.stoppedEarly ? 'stopped early' : '',
      c.resumedFromEpoch > 0 ? `resumed from epoch ${c.resumedFromEpoch}` : '',
    ].filter(Boolean);
    return figure({
      svg: lineChart({
        title: `Loss per epoch · ${c.candidate}`,
        series,
        xLabel: 'epoch',
        xIntegers: true,
        yLabel: 'loss',
        width: 540,
      }),
      caption: `${c.candidate}${isBest(data, c) ? ' (best)' : ''}: ${notes.join(', ')}.`,
    });
  });
  return section({
    id: 'training',
    title: 'Training curves',
    body: chartGrid(perCandidate) + validationMetricChart(data),
  });
}

function validationMetricChart(data: RunReportData): string {
  const classification = data.task === 'classification';
  const name = classification ? 'validation accuracy' : 'validation RMSE';
  const pick = (h: HistoryEntry) => (classification ? h.valAccuracy : h.valRmse);
  const series = data.candidates.map((c) => ({ name: c.candidate, points: seriesOf(c.history, pick) }));
  if (series.every((s) => s.points.length === 0)) return '';
  const svg = lineChart({
    title: `${name} per epoch, all candidates`,
    series,
    xLabel: 'epoch',
    xIntegers: true,
    yLabel: name,
    width: 1100,
  });
  return `<h3>${escapeXml(name)}</h3><div class="charts wide">${figure({ svg, caption: `${name} after each epoch.` })}</div>`;
}

/** Confusion matrix heatmap and per-class precision/recall/F1 for each candidate that has them. */
export function classificationSection(data: RunReportData): string {
  const panels = data.candidates.map((c) => {
    const heading = `<h3>${escapeXml(c.candidate)}${isBest(data, c) ? ' (best)' : ''}</h3>`;
    const matrix = c.confusionMatrix && c.confusionMatrix.length > 0 ? confusionFigure(c, c.confusionMatrix) : '';
    const perClass = c.perClass && c.perClass.length > 0 ? perClassTable(c.perClass) : '';
    const body =
      matrix || perClass ? matrix + perClass : '<p class="muted">No confusion matrix or per-class metrics.</p>';
    return `<div class="panel">${heading}${body}</div>`;
  });
  return section({ id: 'classes', title: 'Confusion matrices and per-class metrics', body: chartGrid(panels) });
}

function confusionFigure(c: RunCandidate, matrix: number[][]): string {
  const classes = matrix.map((_, i) => c.classes?.[i] ?? `class ${i}`);
  const rowTotals = matrix.map((row) => row.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0));
  // Colour by share of the true class, so a rare class's errors show as clearly as a common one's.
  const shares = matrix.map((row, r) => row.map((v) => ((rowTotals[r] ?? 0) > 0 ? v / (rowTotals[r] ?? 1) : null)));
  const svg = heatmap({
    title: `Confusion matrix · ${c.candidate}`,
    rows: classes,
    columns: classes.map((_, i) => c.classes?.[i] ?? `class ${i}`),
    values: shares,
    cellLabels: matrix.map((row, r) => row.map((v, c) => `${formatNumber(v)} (${formatShare(shares[r]?.[c])})`)),
    shortCellLabels: matrix.map((row) => row.map((v) => formatNumber(v))),
    rowLabelChars: 16,
    colorDomain: { min: 0, max: 1 },
    xLabel: 'predicted class',
    yLabel: 'true class',
    legendLabel: 'row share',
    maxWidth: 520,
    maxCellWidth: 130,
    maxCellHeight: 64,
  });
  return figure({
    svg,
    caption: 'Test rows (share of the true class); rows are the true class, columns the predicted class.',
  });
}

function formatShare(share: number | null | undefined): string {
  return share == null || !Number.isFinite(share) ? '—' : `${Math.round(100 * share)}%`;
}

function perClassTable(perClass: NonNullable<RunCandidate['perClass']>): string {
  const rows: Row[] = perClass.map((p) => ({ cells: [p.class, p.precision, p.recall, p.f1, p.support] }));
  const columns = [
    { header: 'Class' },
    { header: 'Precision', numeric: true },
    { header: 'Recall', numeric: true },
    { header: 'F1', numeric: true },
    { header: 'Support', numeric: true },
  ];
  return table({ columns, rows });
}

/** Actual vs predicted with y = x, and the distribution of residuals, for each candidate with sampled rows. */
export function regressionSection(data: RunReportData): string {
  const parts = data.candidates.map((c) => {
    const heading = `<h3>${escapeXml(c.candidate)}${isBest(data, c) ? ' (best)' : ''}</h3>`;
    const rows = c.residuals ?? [];
    if (rows.length === 0) return `${heading}<p class="muted">No residuals were sampled.</p>`;
    const points = rows.map((r) => ({ x: r.actual, y: r.predicted }));
    return (
      heading +
      chartGrid([
        figure({
          svg: scatter({
            title: `Actual vs predicted · ${c.candidate}`,
            points,
            xLabel: 'actual',
            yLabel: 'predicted',
            identityLine: true,
          }),
          caption: `${rows.length} sampled test rows; points on the dashed line are predicted exactly.`,
        }),
        figure({
          svg: histogram({
            title: `Residuals · ${c.candidate}`,
            values: rows.map(residualOf),
            xLabel: 'residual (actual − predicted)',
            reference: { x: 0, label: '0' },
          }),
          caption: 'Residual = actual − predicted; positive means the model under-predicts.',
        }),
      ])
    );
  });
  return section({ id: 'residuals', title: 'Residuals', body: parts.join('') });
}
