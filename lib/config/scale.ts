import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './index';

// Settings of how the API uses the host (processes, micro-batching), read once
// like the rest of lib/config and kept in their own schema.

const ScaleEnv = z.object({
  /** API processes sharing the port (node:cluster); 1 serves from this process alone. Default: one per core. */
  API_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  /** Longest a prediction request waits for others to share its forward pass; 0: only those arriving together. */
  PREDICT_BATCH_WINDOW_MS: z.coerce.number().min(0).max(50).default(0),
  /** Rows per shared forward pass at most; 1 turns micro-batching off. */
  PREDICT_BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(256),
});

export interface ScaleConfig {
  api: { workers: number };
  batching: { windowMs: number; maxRows: number };
}

export function loadScaleConfig(source: NodeJS.ProcessEnv = process.env): ScaleConfig {
  const parsed = ScaleEnv.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue?.path[0])} ${issue?.message ?? ''}`.trim());
  }
  const env = parsed.data;
  return {
    api: { workers: env.API_WORKERS ?? availableParallelism() },
    batching: { windowMs: env.PREDICT_BATCH_WINDOW_MS, maxRows: env.PREDICT_BATCH_MAX_ROWS },
  };
}
