// Two orchestration and two training workers on one pair of task queues; one of each SIGKILLed mid-batch. The full
// version (more runs, a table of evidence) is `npm run reliability:scale-out`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { runScaleOut } from '../../reliability/lib/scale-out';

const RUNS = Number(process.env.SCALE_OUT_TEST_RUNS ?? 4);

describe('scale-out: 2 + 2 workers on the same queues, one of each SIGKILLed mid-batch', () => {
  let h: PipelineHarness;
  const dataDir = mkdtempSync(join(tmpdir(), 'mlops-scale-out-'));
  beforeAll(async () => {
    h = await startPipelineHarness({ orchestrationInProcess: false, trainingInProcess: false });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `completes each of ${RUNS} runs exactly once`,
    async () => {
      const result = await runScaleOut({ h, runs: RUNS, dataDir });
      const failed = [
        ...result.checks.filter((c) => !c.ok).map((c) => `batch: ${c.name} (${c.detail})`),
        ...result.runs.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.runId}: ${c.name} (${c.detail})`)),
      ];
      expect({ failed, timeline: failed.length ? result.timeline : [] }).toEqual({ failed: [], timeline: [] });
      expect(result.runs.map((r) => r.outcome)).toEqual(Array(RUNS).fill('succeeded'));
    },
    20 * 60_000,
  );
});
