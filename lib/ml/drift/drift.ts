import { rowsToTable } from '../data/batch';
import type { ColumnType, Table } from '../data/types';
import { isNumberColumn } from '../data/types';
import { MlError } from '../errors';
import {
  binCounts,
  type CategoricalReference,
  categoryCounts,
  type FeatureReference,
  finiteValues,
  type NumericReference,
  type ReferenceProfile,
} from './profile';
import { type DriftThresholds, type DriftThresholdsInput, DriftThresholdsSchema } from './spec';
import { chiSquareHomogeneity, jensenShannonDistance, ksTwoSample, psi } from './statistics';

export interface FeatureDrift {
  feature: string;
  type: ColumnType;
  kind: 'numeric' | 'categorical';
  referenceCount: number;
  /** Current rows with a usable value. */
  currentCount: number;
  missingRatio: { reference: number; current: number };
  psi: number;
  /** Numeric features only. */
  ks: { statistic: number; pValue: number } | null;
  /** Categorical features only. */
  chi2: { statistic: number; df: number; pValue: number } | null;
  jsDistance: number;
  /** Fewer than minSamples current values: statistics recorded, no verdict. */
  insufficientData: boolean;
  drifted: boolean;
  /** Which thresholds fired, e.g. "psi 0.41 > 0.2". */
  reasons: string[];
}

export interface DriftReport {
  drifted: boolean;
  driftedFeatures: string[];
  features: FeatureDrift[];
  thresholds: DriftThresholds;
  referenceRows: number;
  currentRows: number;
}

function numericDrift(
  ref: NumericReference,
  table: Table,
): Omit<FeatureDrift, 'insufficientData' | 'drifted' | 'reasons'> {
  const column = table.columns[ref.feature];
  if (column && !isNumberColumn(column)) {
    throw new MlError({
      code: 'INVALID_INPUT',
      message: `Current column "${ref.feature}" is ${column.type}, but the reference is numeric.`,
    });
  }
  const values = column ? finiteValues(column, table.rowCount) : new Float64Array(0);
  const current = binCounts(ref.edges, values);
  return {
    feature: ref.feature,
    type: ref.type,
    kind: 'numeric',
    referenceCount: ref.count,
    currentCount: values.length,
    missingRatio: {
      reference: ref.missingRatio,
      current: table.rowCount === 0 ? 0 : 1 - values.length / table.rowCount,
    },
    psi: psi({ reference: ref.counts, current }),
    ks: ksTwoSample({ reference: ref.sample, current: values }),
    chi2: null,
    jsDistance: jensenShannonDistance({ reference: ref.counts, current }),
  };
}

function categoricalDrift(
  ref: CategoricalReference,
  table: Table,
): Omit<FeatureDrift, 'insufficientData' | 'drifted' | 'reasons'> {
  const column = table.columns[ref.feature];
  const { counts, present } = column
    ? categoryCounts(column, table.rowCount)
    : { counts: new Map<string, number>(), present: 0 };
  const known = ref.categories.map((c) => counts.get(c) ?? 0);
  const current = [...known, present - known.reduce((s, n) => s + n, 0)];
  return {
    feature: ref.feature,
    type: ref.type,
    kind: 'categorical',
    referenceCount: ref.count,
    currentCount: present,
    missingRatio: { reference: ref.missingRatio, current: table.rowCount === 0 ? 0 : 1 - present / table.rowCount },
    psi: psi({ reference: ref.counts, current }),
    ks: null,
    chi2: chiSquareHomogeneity({ reference: ref.counts, current }),
    jsDistance: jensenShannonDistance({ reference: ref.counts, current }),
  };
}

function verdict(
  stats: Omit<FeatureDrift, 'insufficientData' | 'drifted' | 'reasons'>,
  t: DriftThresholds,
): FeatureDrift {
  const reasons: string[] = [];
  const fmt = (x: number) => x.toPrecision(3);
  if (t.psi !== null && stats.psi > t.psi) reasons.push(`psi ${fmt(stats.psi)} > ${t.psi}`);
  if (t.ksPValue !== null && stats.ks && stats.ks.pValue < t.ksPValue)
    reasons.push(`ks p-value ${fmt(stats.ks.pValue)} < ${t.ksPValue}`);
  if (t.ksStatistic !== null && stats.ks && stats.ks.statistic > t.ksStatistic)
    reasons.push(`ks statistic ${fmt(stats.ks.statistic)} > ${t.ksStatistic}`);
  if (t.chi2PValue !== null && stats.chi2 && stats.chi2.pValue < t.chi2PValue)
    reasons.push(`chi2 p-value ${fmt(stats.chi2.pValue)} < ${t.chi2PValue}`);
  if (t.js !== null && stats.jsDistance > t.js) reasons.push(`js distance ${fmt(stats.jsDistance)} > ${t.js}`);
  const insufficientData = stats.currentCount < t.minSamples;
  return {
    ...stats,
    insufficientData,
    drifted: !insufficientData && reasons.length > 0,
    reasons: insufficientData ? [] : reasons,
  };
}

function currentTable(reference: ReferenceProfile, current: Table | readonly Record<string, unknown>[]): Table {
  if (!Array.isArray(current)) return current as Table;
  const columns = reference.features.map((f: FeatureReference) => ({ name: f.feature, type: f.type }));
  return rowsToTable({ rows: current as readonly Record<string, unknown>[], schema: { columns } });
}

/**
 * Compares current data (a table, or JSON rows such as logged prediction inputs) with a reference profile. Every
 * statistic is recorded for every feature, whether or not a threshold fires: PSI and Jensen–Shannon on the reference
 * bins/categories, two-sample KS (numeric) against the reference sample, chi-square homogeneity (categorical).
 */
export function computeDrift(args: {
  reference: ReferenceProfile;
  current: Table | readonly Record<string, unknown>[];
  thresholds?: DriftThresholdsInput | DriftThresholds;
}): DriftReport {
  const thresholds = DriftThresholdsSchema.parse(args.thresholds ?? {});
  const table = currentTable(args.reference, args.current);
  const features = args.reference.features.map((ref) =>
    verdict(ref.kind === 'numeric' ? numericDrift(ref, table) : categoricalDrift(ref, table), thresholds),
  );
  const driftedFeatures = features.filter((f) => f.drifted).map((f) => f.feature);
  return {
    drifted: driftedFeatures.length > 0,
    driftedFeatures,
    features,
    thresholds,
    referenceRows: args.reference.rowCount,
    currentRows: table.rowCount,
  };
}
