// Imported first by the console browser test: the pipelines this process sees are copies of pipelines/*.yaml with
// small candidates (a few epochs), so a run started from the console reaches approval in seconds. The runs are
// otherwise real: ingest, validation, features, ABT, training, registry, deployments.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { FAST_CHURN_CANDIDATES } from '../../helpers/fast-candidates';

export const FAST_PIPELINES_DIR = mkdtempSync(join(tmpdir(), 'mlops-console-pipelines-'));

for (const file of readdirSync(join(PROJECT_ROOT, 'pipelines')).filter((f) => /\.ya?ml$/.test(f))) {
  const spec = parse(readFileSync(join(PROJECT_ROOT, 'pipelines', file), 'utf8')) as Record<string, unknown>;
  if (spec.name === 'churn') spec.candidates = FAST_CHURN_CANDIDATES;
  writeFileSync(join(FAST_PIPELINES_DIR, file), stringify(spec));
}
process.env.MLOPS_PIPELINES_DIR = FAST_PIPELINES_DIR;
