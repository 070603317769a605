import { availableParallelism, tmpdir } from 'node:os';
import { loadScaleConfig } from '../../../lib/config/scale';

describe('scale settings (API processes, micro-batching, training threads and memory budget)', () => {
  it('defaults: one API process per core, batching on, direct pass up to 32 rows, training threads on', () => {
    expect(loadScaleConfig({})).toEqual({
      api: { workers: availableParallelism() },
      batching: { windowMs: 0, maxRows: 256 },
      directForwardMaxRows: 32,
      training: { threads: true, memoryBudgetBytes: 1024 * 2 ** 20, cacheDir: tmpdir() },
    });
  });

  it('reads each variable', () => {
    const config = loadScaleConfig({
      API_WORKERS: '3',
      PREDICT_BATCH_WINDOW_MS: '1.5',
      PREDICT_BATCH_MAX_ROWS: '1',
      PREDICT_DIRECT_MAX_ROWS: '0',
      TRAINING_THREADS: 'false',
      TRAINING_MEMORY_BUDGET_MB: '0.5',
      TRAINING_CACHE_DIR: '/var/cache/mlops',
    });
    expect(config).toEqual({
      api: { workers: 3 },
      batching: { windowMs: 1.5, maxRows: 1 },
      directForwardMaxRows: 0,
      training: { threads: false, memoryBudgetBytes: 524_288, cacheDir: '/var/cache/mlops' },
    });
  });

  it.each([
    ['API_WORKERS', '0'],
    ['API_WORKERS', 'many'],
    ['PREDICT_BATCH_WINDOW_MS', '500'],
    ['PREDICT_BATCH_MAX_ROWS', '0'],
    ['PREDICT_DIRECT_MAX_ROWS', '-1'],
    ['TRAINING_THREADS', 'yes'],
    ['TRAINING_MEMORY_BUDGET_MB', '0'],
    ['TRAINING_MEMORY_BUDGET_MB', 'lots'],
  ])('a bad %s (%s) stops with the variable named', (name, value) => {
    expect(() => loadScaleConfig({ [name]: value })).toThrow(name);
  });
});
