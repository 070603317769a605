import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const PACKAGE_NAME = 'mlops-pipelines';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** The checkout's root: found from this file, so it is right from source (tsx), from dist/ and from any cwd. */
export const PROJECT_ROOT = process.env.MLOPS_HOME ? resolve(process.env.MLOPS_HOME) : findProjectRoot(__dirname);

/** Runtime state of the local stack and embedded defaults (git-ignored). */
export const DATA_DIR = process.env.MLOPS_DATA_DIR ? resolve(process.env.MLOPS_DATA_DIR) : join(PROJECT_ROOT, '.data');

/** Downloaded server binaries (git-ignored). */
export const TOOLS_DIR = process.env.MLOPS_TOOLS_DIR
  ? resolve(process.env.MLOPS_TOOLS_DIR)
  : join(PROJECT_ROOT, '.tools');

/** Where `npm run stack -- up` records the addresses it chose, read back by loadConfig() as defaults. */
export const STACK_ENV_FILE = join(DATA_DIR, 'stack', 'endpoints.json');
