import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/config/paths';
import type { Db } from '../../lib/db';
import { mergeSpecOverrides, readSpecFile } from '../../lib/pipeline/load';
import { applySpec } from '../../lib/pipeline/store';

/**
 * Applies a variant of an example spec (pipelines/<base>.yaml with `overrides` merged in) as pipeline `name`, and
 * returns the name. Tests are trusted to change any field this way; a run itself can only set declared parameters.
 */
export async function applyVariant(
  db: Db,
  name: string,
  overrides: Record<string, unknown>,
  base = 'churn',
): Promise<string> {
  const { raw } = readSpecFile(join(PROJECT_ROOT, 'pipelines', `${base}.yaml`));
  await applySpec(db, { raw: mergeSpecOverrides(raw, { ...overrides, name }), appliedBy: 'test', source: 'test' });
  return name;
}
