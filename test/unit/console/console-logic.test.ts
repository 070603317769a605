import { lineageGraph } from '../../../console/src/pages/models/lineage';
import { initialValue, parseParameter } from '../../../console/src/pages/params';
import { phaseOfStep, phaseStates, summarizeSteps } from '../../../console/src/pages/run/phases';

/** A parameter as GET /v1/pipelines/{name} describes it (every field present, null when not declared). */
const declared = (fields: Record<string, unknown>) =>
  ({ default: null, min: null, max: null, enum: null, description: '', paths: [], ...fields }) as unknown as Parameters<
    typeof initialValue
  >[0];

const integer = declared({ name: 'max_attempts', type: 'integer', default: 2, min: 1, max: 5 });

describe('console: start-run parameters', () => {
  it('starts each field from the effective default', () => {
    expect(initialValue(integer)).toBe('2');
    expect(initialValue(declared({ name: 'b', type: 'boolean' }))).toBe(false);
    expect(initialValue(declared({ name: 's', type: 'string' }))).toBe('');
  });

  it('turns typed text into the declared type; an empty field is not sent (the run keeps the default)', () => {
    expect(parseParameter(integer, '3')).toEqual({ value: 3 });
    expect(parseParameter(integer, '')).toEqual({});
    expect(parseParameter(integer, '2.5')).toEqual({ error: 'a whole number' });
    expect(parseParameter(integer, '9')).toEqual({ error: 'at most 5' });
    expect(parseParameter(integer, '0')).toEqual({ error: 'at least 1' });
    expect(parseParameter(integer, 'abc')).toEqual({ error: 'a number' });
    expect(parseParameter(declared({ name: 'lr', type: 'number' }), '0.05')).toEqual({ value: 0.05 });
    const region = declared({ name: 'region', type: 'string', enum: ['north', 'south'] });
    expect(parseParameter(region, 'south')).toEqual({ value: 'south' });
    expect(parseParameter(region, 'east')).toEqual({ error: 'one of north, south' });
    expect(parseParameter(declared({ name: 'b', type: 'boolean' }), true)).toEqual({ value: true });
    expect(parseParameter(declared({ name: 't', type: 'duration' }), '30m')).toEqual({ value: '30m' });
    expect(parseParameter(declared({ name: 't', type: 'duration' }), 'soon')).toMatchObject({
      error: expect.any(String),
    });
  });
});

describe('console: run phases and steps', () => {
  it('places recorded steps in their phase', () => {
    expect(['ingest', 'train:mlp', 'evaluate:mlp', 'report'].map(phaseOfStep)).toEqual(['dev', 'dev', 'dev', 'dev']);
    expect(['evaluate:production', 'register', 'deploy-staging', 'smoke-test:staging'].map(phaseOfStep)).toEqual([
      'staging',
      'staging',
      'staging',
      'staging',
    ]);
    expect(['promote', 'deploy-production'].map(phaseOfStep)).toEqual(['production', 'production']);
  });

  it('shows where a run is, waits and ends', () => {
    const states = (phase: string, status: string) =>
      phaseStates({ phase, status } as never)
        .map((s) => s.state)
        .join(' ');
    expect(states('dev', 'running')).toBe('current pending pending');
    expect(states('staging', 'waiting_approval')).toBe('done waiting pending');
    expect(states('staging', 'rejected')).toBe('done failed skipped');
    expect(states('dev', 'failed')).toBe('failed skipped skipped');
    expect(states('production', 'succeeded')).toBe('done done done');
  });

  it('summarizes attempts and cache hits per step', () => {
    const step = (s: string, attempt: number, status: string, error: string | null = null) => ({
      step: s,
      attempt,
      status,
      startedAt: `2030-01-01T00:00:0${attempt}Z`,
      endedAt: `2030-01-01T00:00:0${attempt + 1}Z`,
      error,
    });
    const summary = summarizeSteps([
      step('validate', 1, 'cached'),
      step('train:mlp', 1, 'failed', 'worker lost'),
      step('train:mlp', 2, 'succeeded'),
    ]);
    expect(summary).toEqual([
      expect.objectContaining({ step: 'validate', cached: true, attempts: 1 }),
      expect.objectContaining({ step: 'train:mlp', status: 'succeeded', attempts: 2, error: 'worker lost' }),
    ]);
  });
});

describe('console: lineage graph', () => {
  it('links data → ABT → run → version → slots → alerts → retraining runs', () => {
    const info = {
      model: 'churn-classifier',
      version: 3,
      versionId: 30,
      runId: 'churn-r3',
      stage: 'production',
      candidate: 'mlp',
      deployedTo: ['production'],
      lineage: {
        rawDataset: { sha256: 'a'.repeat(64) },
        transform: { sha256: 'b'.repeat(64) },
        abt: { table: 'abt_x', rows: 3000 },
        trigger: { kind: 'drift', alertId: 7 },
      },
    };
    const alerts = [
      { alertId: 9, versionId: 30, kind: 'drift', status: 'open', retrainingRunId: 'churn-retrain-9' },
      { alertId: 8, versionId: 29, kind: 'drift', status: 'open', retrainingRunId: null },
    ];
    const { nodes, edges } = lineageGraph(info as never, alerts as never);
    expect(nodes.map((n) => n.id)).toEqual([
      'raw',
      'transform',
      'abt',
      'run:churn-r3',
      'cause:7',
      'version:3',
      'slot:production',
      'alert:9',
      'retrain:churn-retrain-9',
    ]);
    const ids = new Set(nodes.map((n) => n.id));
    expect(edges.every((e) => ids.has(e.from) && ids.has(e.to))).toBe(true);
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: 'abt', to: 'run:churn-r3', label: 'trained on' },
        { from: 'cause:7', to: 'run:churn-r3' },
        { from: 'alert:9', to: 'retrain:churn-retrain-9', label: 'started' },
      ]),
    );
  });
});
