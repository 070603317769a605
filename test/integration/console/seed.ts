import type { Db } from '../../../lib/db';

const FEATURES: Array<[string, 'numeric' | 'categorical']> = [
  ['tenure_months', 'numeric'],
  ['monthly_charges', 'numeric'],
  ['support_calls', 'numeric'],
  ['contract', 'categorical'],
  ['region', 'categorical'],
];

/**
 * Six hourly monitoring windows for a production version, as the monitor stores them: monthly_charges drifts more
 * every hour until it crosses the PSI threshold, live accuracy falls, and the last window raises an alert.
 */
export async function seedMonitoring(db: Db, input: { model: string; versionId: number; version: number }) {
  const hour = 3_600_000;
  const start = Date.now() - 6 * hour;
  let lastReport = 0;
  for (let i = 0; i < 6; i += 1) {
    const drift = (feature: string, kind: 'numeric' | 'categorical') => {
      const psi = feature === 'monthly_charges' ? 0.03 + i * 0.05 : 0.01 + ((i * 7 + feature.length) % 5) / 100;
      const drifted = psi > 0.2;
      return {
        feature,
        type: kind,
        kind,
        referenceCount: 1000,
        currentCount: 400,
        missingRatio: { reference: 0, current: 0 },
        psi,
        ks: kind === 'numeric' ? { statistic: psi / 2, pValue: drifted ? 1e-6 : 0.4 } : null,
        chi2: kind === 'categorical' ? { statistic: psi * 10, pValue: 0.3 } : null,
        jsDistance: psi / 3,
        insufficientData: false,
        drifted,
        reasons: drifted ? [`psi ${psi.toFixed(2)} > 0.2`] : [],
      };
    };
    const features = FEATURES.map(([f, k]) => drift(f, k));
    const [row] = await db('monitoring_reports')
      .insert({
        monitor_id: `monitor-console-${input.versionId}`,
        model: input.model,
        version_id: input.versionId,
        version: input.version,
        window_index: i + 1,
        window_start: new Date(start + i * hour),
        window_end: new Date(start + (i + 1) * hour),
        samples: 400,
        drifted: features.some((f) => f.drifted),
        drifted_features: features.filter((f) => f.drifted).map((f) => f.feature),
        feature_drift: JSON.stringify(features),
        prediction_drift: JSON.stringify({ psi: 0.02 + i * 0.02, jsDistance: 0.01 * i, drifted: false }),
        live_quality: JSON.stringify({ metric: 'accuracy', value: 0.86 - i * 0.02, labelled: 120 + i * 10 }),
      })
      .returning('id');
    lastReport = Number((row as { id: number }).id);
  }
  const [alert] = await db('alerts')
    .insert({
      model: input.model,
      version_id: input.versionId,
      report_id: lastReport,
      kind: 'drift',
      message: 'monthly_charges drifted (PSI 0.28 > 0.2) over the last window',
      action: 'notify',
    })
    .returning('id');
  return { alertId: Number((alert as { id: number }).id) };
}
