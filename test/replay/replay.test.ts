import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../helpers/histories';

// Histories recorded from real runs (RECORD_HISTORIES=1 on the integration tests). Replaying them against the
// current workflow code fails when a change would break executions already in flight: such a change needs patched().
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('replay of recorded pipeline histories', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s replays deterministically on the current workflow code', async (file) => {
    const saved = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as {
      workflowId: string;
      history: unknown;
    };
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../workflows') },
      saved.history,
      saved.workflowId,
    );
  });
});
