import { canaryBucket, chooseArm, predictionPsi } from '../../../lib/delivery/canary';
import { DeploymentStrategySpec } from '../../../lib/delivery/strategy';
import { buildNotification } from '../../../lib/notify/message';
import { PipelineSpec } from '../../../lib/pipeline/spec';

describe('canary routing', () => {
  it('puts a caller key in the same place every time, and about share % of keys on the canary', () => {
    expect(canaryBucket('churn', 'customer-1')).toBe(canaryBucket('churn', 'customer-1'));
    expect(canaryBucket('churn', 'customer-1')).not.toBe(canaryBucket('fraud', 'customer-1'));
    let canary = 0;
    for (let i = 0; i < 20_000; i++) if (chooseArm('churn', 10, `k${i}`, () => 1) === 'canary') canary += 1;
    expect(canary / 20_000).toBeGreaterThan(0.09);
    expect(canary / 20_000).toBeLessThan(0.11);
  });

  it('keeps callers on the canary as the share grows', () => {
    for (let i = 0; i < 2_000; i++) {
      if (chooseArm('churn', 10, `k${i}`, () => 1) === 'canary') {
        expect(chooseArm('churn', 50, `k${i}`, () => 1)).toBe('canary');
      }
    }
  });

  it('routes a request without a key by the random draw', () => {
    expect(chooseArm('churn', 10, undefined, () => 0.05)).toBe('canary');
    expect(chooseArm('churn', 10, undefined, () => 0.15)).toBe('production');
  });
});

describe('prediction drift between the arms', () => {
  it('is near zero for the same class mix and large for a shifted one', () => {
    const production = [...Array(500).fill('no'), ...Array(500).fill('yes')];
    expect(
      predictionPsi(production, [...Array(100).fill('no'), ...Array(100).fill('yes')], 'classification'),
    ).toBeCloseTo(0, 6);
    expect(
      predictionPsi(production, [...Array(180).fill('no'), ...Array(20).fill('yes')], 'classification'),
    ).toBeGreaterThan(0.2);
  });

  it('bins regression predictions at production deciles', () => {
    const production = Array.from({ length: 1000 }, (_, i) => i / 10);
    expect(
      predictionPsi(
        production,
        production.filter((_, i) => i % 5 === 0),
        'regression',
      ),
    ).toBeLessThan(0.01);
    expect(
      predictionPsi(
        production,
        production.map((v) => v + 50),
        'regression',
      ),
    ).toBeGreaterThan(0.2);
  });
});

describe('deployment.strategy in the spec', () => {
  const base = {
    name: 'churn',
    task: 'classification',
    data: { source: { kind: 'file', path: 'x.csv', format: 'csv' } },
    features: { label: 'y', features: ['a'] },
    candidates: [{ kind: 'logistic_regression' }],
  };

  it('defaults to direct promotion', () => {
    expect(PipelineSpec.parse(base).deployment.strategy).toEqual({ kind: 'direct' });
  });

  it('fills a canary with sensible defaults', () => {
    const spec = PipelineSpec.parse({ ...base, deployment: { strategy: { kind: 'canary' } } });
    expect(spec.deployment.strategy).toMatchObject({
      kind: 'canary',
      steps: [10, 50],
      stepDuration: '10m',
      onLowTraffic: 'wait',
      guardrails: { maxErrorRate: 0.02, minRequests: 50, maxPredictionPsi: 0.2 },
    });
  });

  it('refuses unknown fields, decreasing steps and too short steps', () => {
    const bad = (strategy: unknown) => DeploymentStrategySpec.safeParse(strategy).success;
    expect(bad({ kind: 'canary', steps: [50, 10] })).toBe(false);
    expect(bad({ kind: 'canary', steps: [10, 100] })).toBe(false);
    expect(bad({ kind: 'canary', stepDuration: '5s' })).toBe(false);
    expect(bad({ kind: 'canary', stepDuration: '10s' })).toBe(true);
    expect(bad({ kind: 'canary', guardrails: { maxErrorRat: 0.1 } })).toBe(false);
    expect(bad({ kind: 'blue-green' })).toBe(false);
    expect(bad({ kind: 'canary', steps: [5, 25, 50], stepDuration: '1h' })).toBe(true);
  });
});

describe('the canary_rolled_back notification', () => {
  it('names the model, the reason and the step', () => {
    const n = buildNotification(
      {
        event: 'canary_rolled_back',
        runId: 'run-1',
        pipeline: 'churn',
        model: 'churn',
        version: 3,
        details: { reason: 'error rate 25.0 % is above 2.0 %', step: '2 of 2 (50 %)', approvedBy: 'alice' },
      },
      { id: 'n1', linkBaseUrl: 'https://mlops.example' },
    );
    expect(n.title).toBe('Canary rolled back: churn v3');
    expect(n.text).toMatch(/all traffic is back on production .*: error rate 25\.0 % is above 2\.0 %/);
    expect(n.fields).toContainEqual({ label: 'Approved by', value: 'alice' });
    expect(n.links.console).toBe('https://mlops.example/ui/runs/run-1');
  });
});
