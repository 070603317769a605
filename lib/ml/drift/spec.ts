import { z } from 'zod';

/** Thresholds of the drift verdict; null disables a test. A feature drifts when any enabled test fires. */
export const DriftThresholdsSchema = z.strictObject({
  /** PSI above this (0.1 = moderate, 0.2 = significant shift by the usual rule of thumb). */
  psi: z.number().positive().nullable().default(0.2),
  /** KS p-value below this. Very large samples make tiny shifts significant: prefer ksStatistic there. */
  ksPValue: z.number().min(0).max(1).nullable().default(0.001),
  /** KS statistic D above this. */
  ksStatistic: z.number().min(0).max(1).nullable().default(null),
  chi2PValue: z.number().min(0).max(1).nullable().default(0.001),
  /** Jensen–Shannon distance (base 2, in [0, 1]) above this. */
  js: z.number().min(0).max(1).nullable().default(0.1),
  /** Fewer current values than this: the statistics are still recorded but no verdict is drawn for the feature. */
  minSamples: z.number().int().min(1).default(50),
});
export type DriftThresholds = z.infer<typeof DriftThresholdsSchema>;
export type DriftThresholdsInput = z.input<typeof DriftThresholdsSchema>;
