// Imports nothing from the project on purpose: lib/config/paths reads MLOPS_DATA_DIR once, when first imported, so
// the switch to a private stack must happen before any module that imports it is loaded.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Variables that would make the stack treat a service as external (and loadConfig point at the shared one). */
const SHARED_STACK_VARS = [
  'DATABASE_URL',
  'DATA_SOURCE_DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_UI_URL',
  'S3_ENDPOINT',
];

/**
 * Points this process (and the workers it spawns) at a stack of its own under a fresh data dir, so stopping its
 * servers never disturbs the shared stack other test runs use. Call it first, then `await import()` the rest.
 */
export function isolateStack(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mlops-${tag}-`));
  // mkdtemp makes it 0700; PostgreSQL runs as its own OS user when we are root and must reach its data dir inside.
  chmodSync(dir, 0o755);
  process.env.MLOPS_DATA_DIR = dir;
  for (const name of SHARED_STACK_VARS) delete process.env[name];
  return dir;
}
