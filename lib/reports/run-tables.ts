import { metricNames, residualOf } from './metrics';
import { type Tabular, column, finiteOrNull } from './tabular';
import type { RunReportData } from './types';

/** One row per candidate: training facts, then every metric any candidate reported. */
export function runMetricsTable(data: RunReportData): Tabular {
  const names = metricNames(data);
  return {
    columns: [
      column('run_id'),
      column('candidate'),
      column('kind'),
      column('best', 'boolean'),
      column('backend'),
      column('epochs_run', 'integer'),
      column('stopped_early', 'boolean'),
      column('resumed_from_epoch', 'integer'),
      column('train_seconds', 'number'),
      ...names.map((m) => column(m, 'number')),
    ],
    rows: data.candidates.map((c) => [
      data.runId,
      c.candidate,
      c.kind,
      c.best || c.candidate === data.best,
      c.backend,
      finiteOrNull(c.epochsRun),
      c.stoppedEarly,
      finiteOrNull(c.resumedFromEpoch),
      finiteOrNull(c.trainSeconds),
      ...names.map((m) => finiteOrNull(c.metrics[m])),
    ]),
  };
}

export function trainingCurvesTable(data: RunReportData): Tabular {
  return {
    columns: [
      column('candidate'),
      column('epoch', 'integer'),
      column('loss', 'number'),
      column('val_loss', 'number'),
      column('val_accuracy', 'number'),
      column('val_rmse', 'number'),
    ],
    rows: data.candidates.flatMap((c) =>
      c.history.map((h) => [
        c.candidate,
        finiteOrNull(h.epoch),
        finiteOrNull(h.loss),
        finiteOrNull(h.valLoss),
        finiteOrNull(h.valAccuracy),
        finiteOrNull(h.valRmse),
      ]),
    ),
  };
}

/** Run facts as field/value pairs, then one row per gate check. */
export function runSummaryTable(data: RunReportData): Tabular {
  const d = data.data;
  const rows: Array<[string, string | number | boolean | null]> = [
    ['Run id', data.runId],
    ['Pipeline', data.pipeline],
    ['Model', data.model],
    ['Task', data.task],
    ['Best candidate', data.best],
    ['Primary metric', data.primaryMetric],
    ['Code version', data.codeVersion],
    ['Spec hash', data.specHash],
    ['Generated at', data.generatedAt],
    ['Temporal UI', data.temporalUiUrl ?? null],
    ['Raw data URI', d.rawUri],
    ['Raw data SHA-256', d.rawSha256],
    ['Rows', finiteOrNull(d.rows)],
    ['Quarantined rows', finiteOrNull(d.quarantinedRows)],
    ['Train rows', finiteOrNull(d.split.train)],
    ['Validation rows', finiteOrNull(d.split.validation)],
    ['Test rows', finiteOrNull(d.split.test)],
    ['Features', d.features.join(', ')],
    ['ABT table', d.abtTable],
    ...(data.featureViews ?? []).map((v): [string, string] => [
      `Feature view: ${v.name}`,
      `v${v.version} (${v.hash.slice(0, 12)}): ${v.columns.join(', ')}`,
    ]),
    ['Validation summary', d.validationSummary],
    ['Gate passed', data.gate ? data.gate.passed : null],
    ['Gate summary', data.gate?.summary ?? null],
    ...(data.gate?.checks ?? []).map((c): [string, string] => [
      `Gate check: ${c.check}`,
      `${c.passed ? 'PASS' : 'FAIL'}: ${c.detail}`,
    ]),
  ];
  return { columns: [column('Field'), column('Value')], rows };
}

/** Long form of every candidate's matrix: one row per true class, predicted counts, then that class's metrics. */
export function confusionTable(data: RunReportData): Tabular {
  const classes = [...new Set(data.candidates.flatMap((c) => classesOf(c)))];
  const rows = data.candidates.flatMap((c) => {
    const own = classesOf(c);
    return (c.confusionMatrix ?? []).map((counts, r) => {
      const trueClass = own[r] ?? `class ${r}`;
      const metrics = c.perClass?.find((p) => p.class === trueClass);
      return [
        c.candidate,
        trueClass,
        ...classes.map((cls) => finiteOrNull(counts[own.indexOf(cls)])),
        finiteOrNull(metrics?.precision),
        finiteOrNull(metrics?.recall),
        finiteOrNull(metrics?.f1),
        finiteOrNull(metrics?.support),
      ];
    });
  });
  return {
    columns: [
      column('candidate'),
      column('true_class'),
      ...classes.map((cls) => column(`predicted: ${cls}`, 'integer')),
      column('precision', 'number'),
      column('recall', 'number'),
      column('f1', 'number'),
      column('support', 'integer'),
    ],
    rows,
  };
}

function classesOf(c: RunReportData['candidates'][number]): string[] {
  return (c.confusionMatrix ?? []).map((_, i) => c.classes?.[i] ?? `class ${i}`);
}

export function residualsTable(data: RunReportData): Tabular {
  return {
    columns: [
      column('candidate'),
      column('actual', 'number'),
      column('predicted', 'number'),
      column('residual', 'number'),
    ],
    rows: data.candidates.flatMap((c) =>
      (c.residuals ?? []).map((r) => [
        c.candidate,
        finiteOrNull(r.actual),
        finiteOrNull(r.predicted),
        finiteOrNull(residualOf(r)),
      ]),
    ),
  };
}
