import { availableParallelism, tmpdir } from 'node:os';
import { z } from 'zod';
import { DEFAULT_TRAINING_MEMORY_BUDGET_MB } from '../ml/out-of-core/budget';
import { ConfigError } from './index';

// Settings of how the API and the training worker use the host (processes, threads, micro-batching), read once
// like the rest of lib/config and kept in their own schema.

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ScaleEnv = z.object({
  /** API processes sharing the port (node:cluster); 1 serves from this process alone. Default: one per core. */
  API_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  /** Longest a prediction request waits for others to share its forward pass; 0: only those arriving together. */
  PREDICT_BATCH_WINDOW_MS: z.coerce.number().min(0).max(50).default(0),
  /** Rows per shared forward pass at most; 1 turns micro-batching off. */
  PREDICT_BATCH_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(256),
  /**
   * Dense networks predict batches of up to this many rows in plain TypeScript (lib/ml/models/kinds/dense/forward.ts)
   * instead of TensorFlow.js, whose per-op overhead dominates small batches; 0 always uses TensorFlow.js.
   */
  PREDICT_DIRECT_MAX_ROWS: z.coerce.number().int().min(0).max(100_000).default(32),
  /**
   * Training worker: each training on a thread of its own (wasm and cpu backends), so TRAINING_CONCURRENCY trainings
   * use as many cores; false trains on the worker's main thread.
   */
  TRAINING_THREADS: bool.default(true),
  /**
   * Training worker: the most a training's train and validation splits may take as arrays in memory (MB, decimals
   * allowed). Above it, dense kinds stream the splits from a local disk cache in blocks (out-of-core training) and
   * tree kinds refuse with an error naming this setting.
   */
  TRAINING_MEMORY_BUDGET_MB: z.coerce.number().positive().max(1_048_576).default(DEFAULT_TRAINING_MEMORY_BUDGET_MB),
  /** Training worker: folder for splits streamed from disk (one sub-folder per training, removed after it). */
  TRAINING_CACHE_DIR: z.string().min(1).optional(),
});

export interface ScaleConfig {
  api: { workers: number };
  batching: { windowMs: number; maxRows: number };
  directForwardMaxRows: number;
  training: { threads: boolean; memoryBudgetBytes: number; cacheDir: string };
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
    directForwardMaxRows: env.PREDICT_DIRECT_MAX_ROWS,
    training: {
      threads: env.TRAINING_THREADS,
      memoryBudgetBytes: Math.round(env.TRAINING_MEMORY_BUDGET_MB * 2 ** 20),
      cacheDir: env.TRAINING_CACHE_DIR ?? tmpdir(),
    },
  };
}
