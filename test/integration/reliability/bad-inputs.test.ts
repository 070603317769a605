import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, isFailing, prepareCorpus, type CorpusCase } from '../../fixtures/corpus';
import { mapLimit } from '../../../bench/lib-scale/stats';
import { startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { runCorpusCase, type CaseOutcome } from '../../reliability/lib/bad-input-runner';

// The corpus runs once, a few cases at a time, against one harness; each case then reports its own checks. Nothing
// here depends on timing: a case waits for its run's result, however long the machine takes.
describe('bad-input corpus on the real stack: clear errors, raw data kept, nothing registered, workers alive', () => {
  let h: PipelineHarness;
  const dir = mkdtempSync(join(tmpdir(), 'mlops-corpus-'));
  const outcomes = new Map<string, CaseOutcome>();

  beforeAll(async () => {
    h = await startPipelineHarness();
    const results = await mapLimit(prepareCorpus(dir), 3, (p) => runCorpusCase(h, p));
    for (const o of results) outcomes.set(o.id, o);
  }, 600_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds at least 30 malformed inputs and a few valid-but-unusual ones', () => {
    expect(CORPUS.filter((c) => isFailing(c.expect)).length).toBeGreaterThanOrEqual(30);
    expect(CORPUS.filter((c) => !isFailing(c.expect)).length).toBeGreaterThanOrEqual(5);
    expect(new Set(CORPUS.map((c) => c.id)).size).toBe(CORPUS.length);
  });

  const title = (c: CorpusCase) =>
    `${c.id}: ${c.what} → ${isFailing(c.expect) ? c.expect.fails : 'succeeds'}${c.knownBug ? ' (known product bug)' : ''}`;
  for (const c of CORPUS) {
    // A known product defect fails today; `failing` turns red once it is fixed, so the note gets removed.
    const test = c.knownBug ? it.failing : it;
    test(title(c), () => {
      const outcome = outcomes.get(c.id);
      expect(outcome).toBeDefined();
      expect(outcome?.checks.filter((check) => !check.ok)).toEqual([]);
    });
  }

  it('still trains and deploys a good file afterwards (the workers stayed up)', async () => {
    const good: CorpusCase = {
      id: 'good-after-corpus',
      group: 'valid',
      what: 'plain file',
      expect: { succeeds: true },
    };
    const [prepared] = prepareCorpus(dir, [good]);
    const outcome = await runCorpusCase(h, prepared as NonNullable<typeof prepared>);
    expect(outcome.checks.filter((check) => !check.ok)).toEqual([]);
  });
});
