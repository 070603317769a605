import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { FeatureDefinitionsSchema, definitionIssues } from '../../../lib/featurestore/definitions';
import { contentHash } from '../../../lib/featurestore/registry';
import { FeatureViewsSourceSchema } from '../../../lib/featurestore/spec';

const view = (over: Record<string, unknown> = {}) => ({
  name: 'customer_stats',
  owner: 'growth',
  entities: ['customer'],
  source: { kind: 'table', table: 'stats' },
  features: [{ name: 'spend', type: 'float' }],
  ...over,
});
const entity = { name: 'customer', joinKeys: ['customer_id'] };

function issuesOf(raw: unknown): string[] {
  const parsed = FeatureDefinitionsSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  return definitionIssues(parsed.data, new Map()).map((i) => `${i.path}: ${i.message}`);
}

describe('feature definitions', () => {
  it('accepts the example file and fills documented defaults', () => {
    const raw = parseYaml(readFileSync(join(PROJECT_ROOT, 'features/customers.yaml'), 'utf8'));
    const defs = FeatureDefinitionsSchema.parse(raw);
    expect(definitionIssues(defs, new Map())).toEqual([]);
    expect(defs.entities[0]?.joinKeys).toEqual([{ name: 'customer_id', type: 'int' }]);
    expect(defs.featureViews.map((v) => [v.name, v.online, v.source.timestampColumn])).toEqual([
      ['customer_profile', true, 'event_timestamp'],
      ['support_activity', true, 'event_timestamp'],
    ]);
    const shorthand = FeatureDefinitionsSchema.parse({ entities: [entity] });
    expect(shorthand.entities[0]?.joinKeys).toEqual([{ name: 'customer_id', type: 'string' }]);
  });

  it('refuses unknown keys, unsafe names and paths, with the field path', () => {
    expect(issuesOf({ entities: [entity], featureViews: [view({ colour: 'red' })] })).toEqual([
      expect.stringMatching(/^featureViews\.0: Unrecognized key: "colour"/),
    ]);
    expect(issuesOf({ featureViews: [view({ source: { kind: 'table', table: 'x; drop table y' } })] })).toEqual([
      expect.stringMatching(/^featureViews\.0\.source\.table: a plain SQL name/),
    ]);
    expect(issuesOf({ featureViews: [view({ features: [{ name: '__proto__', type: 'int' }] })] })).toEqual([
      expect.stringMatching(/features\.0\.name: a reserved JavaScript property name/),
    ]);
    expect(issuesOf({ featureViews: [view({ source: { kind: 'file', path: '../../etc/passwd' } })] })).toEqual([
      expect.stringMatching(/source\.path: a relative path inside the project/),
    ]);
    expect(issuesOf({ featureViews: [view({ ttl: '0d' })] })).toEqual([expect.stringMatching(/^featureViews\.0\.ttl/)]);
    expect(issuesOf({ featureViews: [view({ features: [{ name: 'x', type: 'decimal' }] })] })).toHaveLength(1);
  });

  it('refuses unknown entities, duplicates and features that are keys or timestamps', () => {
    expect(issuesOf({ featureViews: [view()] })).toEqual([
      'featureViews.0.entities.0: unknown entity customer: define it in entities (this file or one applied before)',
    ]);
    expect(
      issuesOf({
        entities: [entity],
        featureViews: [
          view({
            features: [
              { name: 'spend', type: 'float' },
              { name: 'spend', type: 'int' },
              { name: 'customer_id', type: 'int' },
              { name: 'event_timestamp', type: 'timestamp' },
            ],
          }),
          view(),
        ],
      }),
    ).toEqual([
      'featureViews.0.features.1.name: feature spend is listed twice',
      'featureViews.0.features.2.name: customer_id is a join key or timestamp column of the view, not a feature',
      'featureViews.0.features.3.name: event_timestamp is a join key or timestamp column of the view, not a feature',
      'featureViews.1.name: feature view customer_stats is defined twice',
    ]);
  });

  it('versions by content: key order does not matter, any change does', () => {
    const a = FeatureDefinitionsSchema.parse({ entities: [entity], featureViews: [view()] }).featureViews[0];
    const b = FeatureDefinitionsSchema.parse({
      featureViews: [
        {
          features: [{ type: 'float', name: 'spend' }],
          source: { table: 'stats', kind: 'table' },
          owner: 'growth',
          entities: ['customer'],
          name: 'customer_stats',
        },
      ],
    }).featureViews[0];
    expect(contentHash(a)).toBe(contentHash(b));
    const c = FeatureDefinitionsSchema.parse({ featureViews: [view({ ttl: '2d' })] }).featureViews[0];
    expect(contentHash(c)).not.toBe(contentHash(a));
  });

  it('parses a pipeline source: exactly one entity frame origin, view references as names or objects', () => {
    const parsed = FeatureViewsSourceSchema.parse({
      kind: 'feature_views',
      entities: { query: 'select 1' },
      views: ['a', { name: 'b', version: 2, features: ['x'], prefix: true }],
    });
    expect(parsed.views).toEqual([
      { name: 'a', prefix: false },
      { name: 'b', version: 2, features: ['x'], prefix: true },
    ]);
    expect(parsed.entities.timestampColumn).toBe('event_timestamp');
    const both = FeatureViewsSourceSchema.safeParse({
      kind: 'feature_views',
      entities: { query: 'select 1', file: 'x.csv' },
      views: ['a'],
    });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toBe('give exactly one of file, s3Key or query');
  });
});
