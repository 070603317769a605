import {
  chooseBest,
  durationMs,
  evaluateGate,
  metricDirection,
  timeoutForBytes,
} from '../../../workflows/pipeline/policy';

describe('pipeline policy', () => {
  it('knows which metrics are errors (lower is better)', () => {
    expect(['rmse', 'mae', 'log_loss'].map((m) => metricDirection(m))).toEqual(['min', 'min', 'min']);
    expect(['f1_macro', 'accuracy', 'r2', 'roc_auc'].map((m) => metricDirection(m))).toEqual([
      'max',
      'max',
      'max',
      'max',
    ]);
    expect(metricDirection('rmse', 'max')).toBe('max');
  });

  it('chooses the best candidate, ties to the first, skipping candidates without the metric', () => {
    const scores: Array<{ candidate: string; metrics: Record<string, number> }> = [
      { candidate: 'a', metrics: { f1: 0.8 } },
      { candidate: 'b', metrics: { f1: 0.9 } },
      { candidate: 'c', metrics: { f1: 0.9 } },
      { candidate: 'd', metrics: {} },
    ];
    expect(chooseBest(scores, 'f1', 'max').candidate).toBe('b');
    expect(chooseBest(scores, 'f1', 'min').candidate).toBe('a');
    expect(() => chooseBest([{ candidate: 'x', metrics: { rmse: 1 } }], 'f1', 'max')).toThrow(/No candidate produced/);
  });

  it('passes the gate only with every threshold met and the margin over production', () => {
    const input = {
      metrics: { accuracy: 0.81, f1: 0.75 },
      thresholds: { accuracy: { min: 0.8 } },
      primaryMetric: 'f1',
      direction: 'max' as const,
      minImprovement: 0.02,
    };
    expect(evaluateGate(input).passed).toBe(true);
    // 0.75 − 0.74 = 0.01 < 0.02
    const close = evaluateGate({ ...input, production: { version: 3, metrics: { f1: 0.74 } } });
    expect(close.passed).toBe(false);
    expect(close.summary).toBe(
      'Evaluation gate failed: f1: candidate 0.75 vs production v3 0.74 (improvement 0.01, needs >= 0.02).',
    );
    expect(evaluateGate({ ...input, production: { version: 3, metrics: { f1: 0.72 } } }).passed).toBe(true);
    const below = evaluateGate({ ...input, thresholds: { accuracy: { min: 0.9 }, f1: { max: 0.7 } } });
    expect(below.checks.filter((c) => !c.passed).map((c) => c.detail)).toEqual([
      'accuracy=0.81 (needs >= 0.9)',
      'f1=0.75 (needs <= 0.7)',
    ]);
    // Errors improve downwards: rmse 9 vs production 10 is a gain of 1.
    const rmse = evaluateGate({
      ...input,
      metrics: { rmse: 9 },
      thresholds: {},
      primaryMetric: 'rmse',
      direction: 'min',
      minImprovement: 1,
      production: { version: 1, metrics: { rmse: 10 } },
    });
    expect(rmse.passed).toBe(true);
  });

  it('reads durations and sizes data-step timeouts', () => {
    expect([durationMs('90s'), durationMs('15m'), durationMs('24h'), durationMs('7d'), durationMs(250)]).toEqual([
      90_000, 900_000, 86_400_000, 604_800_000, 250,
    ]);
    expect(() => durationMs('soon')).toThrow(/Invalid duration/);
    expect(timeoutForBytes(0)).toBe(600_000);
    expect(timeoutForBytes(100 * 1024 * 1024)).toBe(600_000 + 5 * 60_000);
  });
});
