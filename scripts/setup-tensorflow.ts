// `npm run setup:tensorflow [-- --gpu]`: the optional `tensorflow` TensorFlow.js backend (native TensorFlow), built
// from PyPI's TensorFlow wheel into .tools/ (see infra/tools/tensorflow.ts). The `auto` backend uses it from then on.
// --gpu builds @tensorflow/tfjs-node-gpu against the CUDA wheel instead (for GPU hosts; not verified on this project's
// machines, which have no GPU: see docs/BENCHMARKS.md).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';
import { setupNativeTensorflow } from '../infra/tools/tensorflow';

function check(ldLibraryPath: string | undefined): { backend: string; tensorflow?: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TFJS_BACKEND: 'tensorflow' };
  if (ldLibraryPath) env.LD_LIBRARY_PATH = [ldLibraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'tensorflow-check.ts')],
    {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`the backend does not load:\n${result.stderr || result.stdout}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { backend: string; tensorflow?: string };
}

function main(): void {
  const gpu = process.argv.includes('--gpu');
  const started = performance.now();
  const setup = setupNativeTensorflow(gpu ? 'gpu' : 'cpu', (m) => console.log(`setup:tensorflow: ${m}`));
  const loaded = check(setup.ldLibraryPath);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `setup:tensorflow: ${setup.variant.npmPackage} ${setup.reused ? 'already built' : 'built'} (${setup.addon}); ` +
      `backend '${loaded.backend}' runs TensorFlow ${loaded.tensorflow} (${seconds} s)`,
  );
  if (setup.ldLibraryPath) {
    console.log(`setup:tensorflow: start GPU workers with LD_LIBRARY_PATH=${setup.ldLibraryPath}`);
  }
}

try {
  main();
} catch (err) {
  console.error(`setup:tensorflow failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
