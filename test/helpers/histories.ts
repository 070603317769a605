import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { resolveTool } from '../../infra/tools/resolve';
import { loadConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/config/paths';

export const HISTORIES_DIR = join(PROJECT_ROOT, 'test', 'replay', 'histories');

/**
 * With RECORD_HISTORIES=1, keeps the finished run's event history under test/replay/histories/ (committed), so
 * that `npm test` replays it against the current workflow code and catches non-deterministic changes. The Temporal
 * CLI writes it, in the proto JSON form that Worker.runReplayHistory reads.
 */
export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const { temporal } = loadConfig();
  const cli = await resolveTool('temporal');
  const json = execFileSync(cli.path, [
    'workflow',
    'show',
    '--workflow-id',
    handle.workflowId,
    '--namespace',
    temporal.namespace,
    '--address',
    temporal.address,
    '--output',
    'json',
  ]);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // Replay needs the original workflow id too (child workflow ids derive from it).
  const saved = { workflowId: handle.workflowId, history: JSON.parse(json.toString('utf8')) as unknown };
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), JSON.stringify(saved));
}
