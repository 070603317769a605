import { escapeXml } from './format';
import { type Row, html, section, table } from './html/elements';
import { isBest } from './run-metrics';
import { type Tabular, column, finiteOrNull } from './tabular';
import type { RunReportData } from './types';

/** Features shown per candidate in the HTML report (the XLSX sheet has every recorded one). */
const SHOWN = 15;

/**
 * The native feature importance of the candidates whose kind measures one (tree ensembles: split gain), as a table
 * with a proportional bar per feature; nothing when no candidate has it.
 */
export function importanceSection(data: RunReportData): string {
  const panels = data.candidates.flatMap((c) => {
    if (!c.featureImportance || c.featureImportance.features.length === 0) return [];
    const top = c.featureImportance.features.slice(0, SHOWN);
    const max = Math.max(...top.map((f) => f.importance), Number.MIN_VALUE);
    const rows: Row[] = top.map((f) => ({
      cells: [
        f.feature,
        f.importance,
        html(
          `<span style="display:inline-block;height:10px;background:#4e79a7;width:${((100 * f.importance) / max).toFixed(1)}%"></span>`,
        ),
      ],
    }));
    const heading = `<h3>${escapeXml(c.candidate)}${isBest(data, c) ? ' (best)' : ''} · ${escapeXml(c.featureImportance.type)}</h3>`;
    return [
      heading + table({ columns: [{ header: 'feature' }, { header: 'share', numeric: true }, { header: '' }], rows }),
    ];
  });
  if (panels.length === 0) return '';
  return section({
    id: 'importance',
    title: 'Feature importance (native)',
    body:
      '<p class="muted">Measured by the model kind itself on the model’s features (share of total split gain for ' +
      'tree ensembles). It says what the model relied on, not what causes the outcome.</p>' +
      panels.join(''),
  });
}

export function featureImportanceTable(data: RunReportData): Tabular {
  return {
    columns: [
      column('candidate'),
      column('type'),
      column('rank', 'integer'),
      column('feature'),
      column('importance', 'number'),
    ],
    rows: data.candidates.flatMap((c) =>
      (c.featureImportance?.features ?? []).map((f, i) => [
        c.candidate,
        c.featureImportance?.type ?? null,
        i + 1,
        f.feature,
        finiteOrNull(f.importance),
      ]),
    ),
  };
}
