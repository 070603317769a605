import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { SPEC_SCHEMA_FILE, pipelineSpecJsonSchema } from '../../../lib/pipeline/spec-schema';
import { SPEC_REFERENCE_FILE } from '../../../lib/pipeline/spec-reference';

type Schema = {
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  oneOf?: Schema[];
  default?: unknown;
  description?: string;
};

describe('pipelines/spec.schema.json', () => {
  const stored = JSON.parse(readFileSync(join(PROJECT_ROOT, SPEC_SCHEMA_FILE), 'utf8')) as Schema;

  it('is the schema generated from lib/pipeline/spec.ts (run `npm run spec:schema` when this fails)', () => {
    expect(stored).toEqual(pipelineSpecJsonSchema());
  });

  it('is closed at every depth, so editors flag unknown fields as the loader does; defaults are shown', () => {
    const p = stored.properties as Record<string, Schema>;
    expect(stored.additionalProperties).toBe(false);
    expect(p.training?.additionalProperties).toBe(false);
    expect(p.training?.properties?.maxAttempts?.default).toBe(20);
    expect(p.data?.properties?.source?.oneOf?.every((o) => o.additionalProperties === false)).toBe(true);
    const column = (p.expectations?.properties?.columns?.additionalProperties ?? {}) as Schema;
    expect(column.additionalProperties).toBe(false);
    expect(Object.keys(column.properties ?? {})).toEqual(expect.arrayContaining(['type', 'min', 'max', 'severity']));
  });

  it('every example spec starts with the yaml-language-server line that points at it', () => {
    const dir = join(PROJECT_ROOT, 'pipelines');
    const specs = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(specs.length).toBeGreaterThan(0);
    for (const file of specs) {
      expect(readFileSync(join(dir, file), 'utf8').split('\n')[0]).toBe(
        '# yaml-language-server: $schema=./spec.schema.json',
      );
    }
  });

  it('describes fields with the doc comments of their zod source, the right member of each union', () => {
    const p = stored.properties as Record<string, Schema>;
    expect(p.training?.properties?.heartbeatTimeout?.description).toMatch(/stops heartbeating/);
    const [file, s3] = p.data?.properties?.source?.oneOf ?? [];
    expect(file?.properties?.path?.description).toMatch(/DATA_FILE_ROOTS/);
    expect(s3?.properties?.key?.description).toMatch(/DATA_S3_PREFIXES/);
    const candidate = (p.candidates as Schema & { items: Schema }).items.oneOf?.[0];
    expect(candidate?.properties?.hyperparameters?.properties?.learningRate?.description).toBe(
      'Step size of the optimizer.',
    );
  });
});

describe('docs/SPEC.md', () => {
  it('is the reference generated from the same schema (run `npm run spec:schema` when this fails)', () => {
    // A child process: prettier (which formats both files as `npm run lint` wants them) does not load under jest.
    const tsx = join(PROJECT_ROOT, 'node_modules/.bin/tsx');
    const run = () => execFileSync(tsx, ['infra/spec-schema.ts', '--check'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(run).not.toThrow();
  }, 60_000);

  it('lists every field of the schema with its path, and a table per source kind and model kind', () => {
    const doc = readFileSync(join(PROJECT_ROOT, SPEC_REFERENCE_FILE), 'utf8');
    const paths = [
      'training.maxAttempts',
      'expectations.columns.<column>.maxMissingRatio',
      'features.features[].boundaries',
      'data.source.query',
      'candidates[].hyperparameters.learningRate',
      'evaluation.thresholds.<metric>.min',
      'parameters[].paths',
    ];
    for (const path of paths) expect(doc).toContain(`| \`${path}\``);
    for (const kind of ['file', 's3', 'postgres', 'feature_views']) {
      expect(doc).toContain(`## \`data.source\` with \`kind: ${kind}\``);
    }
    for (const kind of ['logistic_regression', 'random_forest', 'gradient_boosting']) {
      expect(doc).toContain(`## \`candidates[]\` with \`kind: ${kind}\``);
    }
    expect(doc).toMatch(/\| `training.maxAttempts` +\| integer +\| `20` +\| ≥ 1, ≤ 100 +\| Attempts/);
  });
});
