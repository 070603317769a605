import { DriftThresholdsSchema } from '../ml/drift/spec';
import type { FeatureDrift, MonitoringReportData, MonitoringWindow } from './types';

/** The drift verdict's own default, so the report's threshold line matches what raised the alerts. */
export const DEFAULT_PSI_THRESHOLD = DriftThresholdsSchema.parse({}).psi;

/** Feature names across windows in order of first appearance (a feature can be missing from some windows). */
export function featureNames(windows: MonitoringWindow[]): string[] {
  const names = new Set<string>();
  for (const w of windows) for (const f of w.features) names.add(f.feature);
  return [...names];
}

/** feature → window → drift result, undefined where the window has no result for the feature. */
export function featureMatrix(
  data: MonitoringReportData,
): Array<{ feature: string; cells: Array<FeatureDrift | undefined> }> {
  return featureNames(data.windows).map((feature) => ({
    feature,
    cells: data.windows.map((w) => w.features.find((f) => f.feature === feature)),
  }));
}

/**
 * Short axis labels for windows: the day when windows start at midnight UTC, day and time otherwise;
 * the year only when the windows span more than one.
 */
export function windowLabels(windows: MonitoringWindow[]): string[] {
  const times = windows.map((w) => Date.parse(w.windowStart));
  if (times.some((t) => Number.isNaN(t))) return windows.map((w) => w.windowStart);
  const isos = times.map((t) => new Date(t).toISOString());
  const midnight = isos.every((iso) => iso.slice(11, 16) === '00:00');
  const oneYear = new Set(isos.map((iso) => iso.slice(0, 4))).size <= 1;
  return isos.map((iso) => {
    const day = oneYear ? iso.slice(5, 10) : iso.slice(0, 10);
    return midnight ? day : `${day} ${iso.slice(11, 16)}`;
  });
}
