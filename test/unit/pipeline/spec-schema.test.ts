import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { SPEC_SCHEMA_FILE, pipelineSpecJsonSchema } from '../../../lib/pipeline/spec-schema';

type Schema = {
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  oneOf?: Schema[];
  default?: unknown;
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
});
