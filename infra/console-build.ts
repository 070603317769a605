// Builds the web console (console/ → console/dist, served by the API under /ui) when its sources changed since the
// last build: `npm test` and `npm run demo` call it during set-up, `npm run build:console` forces it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/paths';

const CONSOLE_DIR = join(PROJECT_ROOT, 'console');
const OUT_DIR = join(CONSOLE_DIR, 'dist');
const STAMP = join(OUT_DIR, '.source-hash');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === OUT_DIR || name === 'node_modules') return [];
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Everything the bundle is made of: the console's files, the API schemas it takes types from, the lock file. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...files(CONSOLE_DIR),
    ...files(join(PROJECT_ROOT, 'api', 'schemas')),
    join(PROJECT_ROOT, 'package-lock.json'),
  ].sort();
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function ensureConsoleBuilt(
  log: (m: string) => void,
  options: { force?: boolean } = {},
): 'built' | 'up to date' {
  const wanted = consoleSourceHash();
  const built = existsSync(STAMP) && existsSync(join(OUT_DIR, 'index.html')) ? readFileSync(STAMP, 'utf8') : '';
  if (!options.force && built === wanted) return 'up to date';
  log('building the web console (vite)');
  const vite = join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', join(CONSOLE_DIR, 'vite.config.mts'), '--logLevel', 'warn'],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    throw new Error(`the web console build failed (vite exit ${result.status}): see the messages above`);
  }
  writeFileSync(STAMP, wanted);
  return 'built';
}

if (require.main === module) {
  try {
    const outcome = ensureConsoleBuilt((m) => console.log(m), { force: process.argv.includes('--force') });
    console.log(`web console: ${outcome} (${relative(PROJECT_ROOT, OUT_DIR)})`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
