import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { PROJECT_ROOT } from '../../../lib/config/paths';
import { HISTORIES_DIR } from '../../helpers/histories';

export function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

/**
 * The workflow code to record on: the current workflows/, or those of an earlier commit (`--ref`), written into a
 * folder inside the checkout (so the bundler resolves @temporalio/workflow) together with the pure lib/ helpers
 * they import at that commit.
 */
export function workflowSource(ref: string | undefined): { path: string; cleanup(): void } {
  if (!ref) return { path: require.resolve('../../../workflows'), cleanup: () => undefined };
  mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
  const root = mkdtempSync(join(PROJECT_ROOT, '.data', 'old-workflows-'));
  const files = execFileSync(
    'git',
    ['ls-tree', '-r', '--name-only', ref, 'workflows', 'lib/governance', 'lib/pipeline'],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const target = join(root, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, execFileSync('git', ['show', `${ref}:${file}`], { cwd: PROJECT_ROOT }));
  }
  return { path: join(root, 'workflows', 'index.ts'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Saves a history as the replay suite reads it (workflow id + proto JSON history). */
export function saveRecordedHistory(name: string, workflowId: string, ref: string | undefined, history: History) {
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const saved = { workflowId, recordedOn: ref ?? 'current', history: JSON.parse(historyToJSON(history)) as unknown };
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), JSON.stringify(saved));
  console.log(`recorded ${name} (${history.events?.length ?? 0} events, workflow code ${ref ?? 'current'})`);
}
