import { chartGrid, figure, section } from './html/elements';
import { featureMatrix, windowLabels } from './monitoring-data';
import { barChart, heatmap, lineChart } from './svg';
import type { MonitoringReportData } from './types';

export interface DriftChartsInput {
  data: MonitoringReportData;
  psiThreshold: number | null;
}

/** PSI of every feature over the windows (with the threshold) and the feature × window heatmap. */
export function featureDriftSection({ data, psiThreshold }: DriftChartsInput): string {
  const labels = windowLabels(data.windows);
  const matrix = featureMatrix(data);
  const references = psiThreshold == null ? [] : [{ y: psiThreshold, label: `PSI threshold ${psiThreshold}` }];
  const lines = lineChart({
    title: 'PSI per feature over monitoring windows',
    series: matrix.map((m) => ({
      name: m.feature,
      points: m.cells.flatMap((c, i) => (c ? [{ x: i, y: c.psi }] : [])),
    })),
    xCategories: labels,
    xLabel: 'window start (UTC)',
    yLabel: 'PSI',
    referenceLines: references,
    yIncludeZero: true,
    width: 1100,
    plotHeight: 260,
  });
  const maxPsi = Math.max(0, ...matrix.flatMap((m) => m.cells.map((c) => (c && Number.isFinite(c.psi) ? c.psi : 0))));
  const grid = heatmap({
    title: 'PSI per feature and window',
    rows: matrix.map((m) => m.feature),
    columns: labels,
    values: matrix.map((m) => m.cells.map((c) => (c && !c.insufficientData ? c.psi : null))),
    cellLabels: matrix.map((m) => m.cells.map((c) => (!c ? 'n/a' : c.insufficientData ? 'few' : psiLabel(c.psi)))),
    outlined: matrix.map((m) => m.cells.map((c) => c?.drifted === true)),
    colorDomain: { min: 0, max: Math.max(maxPsi, 2 * (psiThreshold ?? 0.1)) },
    scheme: 'reds',
    xLabel: 'window start (UTC)',
    legendLabel: 'PSI',
    maxWidth: 1100,
  });
  return section({
    id: 'drift',
    title: 'Feature drift over time',
    body:
      `<div class="charts wide">` +
      figure({ svg: lines, caption: 'Population stability index of each feature against the training reference.' }) +
      figure({
        svg: grid,
        caption:
          'Outlined cells: the feature drifted in that window (any enabled test). Grey "few": too few samples for a verdict.',
      }) +
      `</div>`,
  });
}

/** Prediction drift, live quality and traffic per window. */
export function predictionAndQualitySection({ data, psiThreshold }: DriftChartsInput): string {
  const labels = windowLabels(data.windows);
  const at = <T>(pick: (w: MonitoringReportData['windows'][number]) => T | undefined) =>
    data.windows.flatMap((w, i) => {
      const y = pick(w);
      return typeof y === 'number' ? [{ x: i, y }] : [];
    });
  const prediction = lineChart({
    title: 'Prediction drift over monitoring windows',
    series: [
      { name: 'prediction PSI', points: at((w) => w.prediction?.psi) },
      { name: 'prediction JS distance', points: at((w) => w.prediction?.jsDistance) },
    ],
    xCategories: labels,
    yLabel: 'drift',
    referenceLines: psiThreshold == null ? [] : [{ y: psiThreshold, label: `PSI threshold ${psiThreshold}` }],
    yIncludeZero: true,
    width: 560,
  });
  const metric = data.windows.find((w) => w.liveQuality)?.liveQuality?.metric ?? 'live quality';
  const quality = lineChart({
    title: `Live ${metric} over monitoring windows`,
    series: [{ name: metric, points: at((w) => w.liveQuality?.value) }],
    xCategories: labels,
    yLabel: metric,
    width: 560,
  });
  const traffic = barChart({
    title: 'Samples and labelled samples per window',
    categories: labels,
    series: [
      { name: 'samples', values: data.windows.map((w) => w.samples) },
      { name: 'labelled', values: data.windows.map((w) => w.liveQuality?.labelled ?? null) },
    ],
    yLabel: 'rows',
    width: 560,
  });
  return section({
    id: 'predictions',
    title: 'Predictions, live quality and traffic',
    body: chartGrid([
      figure({ svg: prediction, caption: 'Drift of the model output distribution against the training predictions.' }),
      figure({
        svg: quality,
        caption: `${metric} on the windows' labelled rows (labels arrive late; gaps have none).`,
      }),
      figure({ svg: traffic, caption: 'Rows scored in each window and how many of them have labels yet.' }),
    ]),
  });
}

/** Two decimals in every cell, so the column of a heatmap reads evenly (0.03, 0.27, not 0.025, 0.27). */
function psiLabel(psi: number): string {
  return Number.isFinite(psi) ? psi.toFixed(2) : '—';
}
