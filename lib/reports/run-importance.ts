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

function bar(share: number): string {
  const width = Math.max(0, Math.min(100, 100 * share)).toFixed(1);
  return `<span style="display:inline-block;height:10px;background:#f28e2b;width:${width}%"></span>`;
}

/**
 * Permutation importance of the raw input columns on the test split, per candidate: how much the metric drops when
 * a column's values are shuffled (a one-hot group or an embedding counts as one column); nothing when none has it.
 */
export function permutationSection(data: RunReportData): string {
  const panels = data.candidates.flatMap((c) => {
    const p = c.permutationImportance;
    if (!p || p.columns.length === 0) return [];
    const top = p.columns.slice(0, SHOWN);
    const max = Math.max(...top.map((f) => Math.abs(f.importance)), Number.MIN_VALUE);
    const rows: Row[] = top.map((f) => ({
      cells: [f.column, f.importance, f.std, f.features, html(bar(Math.max(0, f.importance) / max))],
    }));
    const heading =
      `<h3>${escapeXml(c.candidate)}${isBest(data, c) ? ' (best)' : ''} · drop of ${escapeXml(p.metric)} ` +
      `from ${p.baseline.toFixed(4)}</h3>`;
    const columns = [
      { header: 'column' },
      { header: 'importance', numeric: true },
      { header: 'std', numeric: true },
      { header: 'model inputs', numeric: true },
      { header: '' },
    ];
    return [heading + table({ columns, rows })];
  });
  if (panels.length === 0) return '';
  const first = data.candidates.find((c) => c.permutationImportance)?.permutationImportance;
  return section({
    id: 'permutation-importance',
    title: 'Permutation importance (raw columns, test split)',
    body:
      `<p class="muted">Each input column's values were shuffled across ${first?.rows ?? 0} test rows ` +
      `(${first?.repeats ?? 0} seeded repeats, seed ${first?.seed ?? 0}) and the model scored again: the drop of the ` +
      'metric says how much the model relies on the column. A one-hot group, datetime parts or an embedding count ' +
      'as one column. Correlated columns share their importance.</p>' +
      panels.join(''),
  });
}

export function permutationImportanceTable(data: RunReportData): Tabular {
  return {
    columns: [
      column('candidate'),
      column('metric'),
      column('rank', 'integer'),
      column('column'),
      column('importance', 'number'),
      column('std', 'number'),
      column('model inputs', 'integer'),
    ],
    rows: data.candidates.flatMap((c) =>
      (c.permutationImportance?.columns ?? []).map((f, i) => [
        c.candidate,
        c.permutationImportance?.metric ?? null,
        i + 1,
        f.column,
        finiteOrNull(f.importance),
        finiteOrNull(f.std),
        f.features,
      ]),
    ),
  };
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
