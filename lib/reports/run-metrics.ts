import { escapeXml, formatDuration, formatNumber } from './format';
import { type Cell, type Column, type Row, badge, chartGrid, figure, html, section, table } from './html/elements';
import { bestCandidateIndex, lowerIsBetter, metricNames } from './metrics';
import { barChart } from './svg';
import type { RunCandidate, RunReportData } from './types';

/** Metrics table (best candidate's row shaded, best value per metric in bold) and one bar chart per metric. */
export function metricsSection(data: RunReportData): string {
  const names = metricNames(data);
  const bestByMetric = new Map(names.map((m) => [m, bestCandidateIndex({ candidates: data.candidates, metric: m })]));
  const columns: Column[] = [
    { header: 'Candidate' },
    { header: 'Kind' },
    { header: 'Backend' },
    { header: 'Epochs', numeric: true },
    { header: 'Train time', numeric: true },
    ...names.map((m) => ({ header: m === data.primaryMetric ? `${m} (primary)` : m, numeric: true })),
  ];
  const rows: Row[] = data.candidates.map((c, i) => ({
    className: isBest(data, c) ? 'best' : undefined,
    cells: [
      candidateCell(data, c),
      c.kind,
      c.backend,
      html(escapeXml(epochText(c))),
      formatDuration(c.trainSeconds),
      ...names.map((m): Cell => metricCell({ value: c.metrics[m], best: bestByMetric.get(m) === i })),
    ],
  }));
  const charts = names.map((m) =>
    figure({
      svg: barChart({
        title: `${m} by candidate`,
        categories: data.candidates.map((c) => c.candidate),
        series: [{ name: m, values: data.candidates.map((c) => c.metrics[m] ?? null) }],
        highlight: data.best,
        yLabel: m,
      }),
      caption: `${m}: ${lowerIsBetter(m) ? 'lower' : 'higher'} is better. Best candidate (${data.best}) in orange.`,
    }),
  );
  return section({
    id: 'metrics',
    title: 'Candidates and metrics',
    body:
      table({ columns, rows, caption: 'Test-set metrics; bold marks the best value of each metric.' }) +
      chartGrid(charts),
  });
}

export function isBest(data: RunReportData, candidate: RunCandidate): boolean {
  return candidate.best || candidate.candidate === data.best;
}

function candidateCell(data: RunReportData, c: RunCandidate): Cell {
  const star = isBest(data, c) ? ` ${badge({ text: 'best', tone: 'warn' }).html}` : '';
  return html(`${escapeXml(c.candidate)}${star}`);
}

function epochText(c: RunCandidate): string {
  const notes = [c.stoppedEarly ? 'early stop' : '', c.resumedFromEpoch > 0 ? `resumed @${c.resumedFromEpoch}` : '']
    .filter(Boolean)
    .join(', ');
  return notes ? `${c.epochsRun} (${notes})` : String(c.epochsRun);
}

function metricCell({ value, best }: { value: number | undefined; best: boolean }): Cell {
  const text = escapeXml(formatNumber(value));
  return html(best ? `<strong>${text}</strong>` : text);
}
