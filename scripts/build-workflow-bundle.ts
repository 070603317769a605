// Bundles the workflows once for production (`npm run build:workflows`): workers load dist/workflow-bundle.js
// instead of running webpack at every start.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../lib/config/paths';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const out = join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
  mkdirSync(join(PROJECT_ROOT, 'dist'), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
