import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { FAST_CHURN_CANDIDATES, startPipelineHarness, type PipelineHarness } from '../../helpers/pipeline-harness';
import { MLOPS_OUTCOME, MLOPS_PHASE, MLOPS_PIPELINE, MLOPS_STATUS } from '../../../workflows/pipeline/readable';

// Issue 11, part 2: a run reads well in the Temporal UI. Its phase and status are search attributes (the workflow
// list filters "every run waiting for a human"), its page shows where it stands (current details) and every activity
// says what it does (summaries). Checked on the real dev server, through its API and in the UI in a browser.

const EventType = temporal.api.enums.v1.EventType;
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

function text(payload: temporal.api.common.v1.IPayload | null | undefined): string | undefined {
  return payload ? String(defaultPayloadConverter.fromPayload(payload)) : undefined;
}

describe('runs read well in the Temporal UI', () => {
  let h: PipelineHarness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startPipelineHarness();
    await h.variant('churn', { candidates: FAST_CHURN_CANDIDATES });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await h?.stop();
  });

  it('search attributes follow the run; current details name who it waits for; activities carry summaries', async () => {
    const handle = await h.start({ pipeline: 'churn', trigger: { kind: 'api', by: 'oscar' } });
    await h.waitForStatus(handle, (s) => s.status === 'waiting_approval');

    const waiting = await handle.describe();
    expect(waiting.typedSearchAttributes.get(MLOPS_PHASE)).toBe('staging');
    expect(waiting.typedSearchAttributes.get(MLOPS_STATUS)).toBe('waiting_approval');
    expect(waiting.typedSearchAttributes.get(MLOPS_OUTCOME)).toBeUndefined();

    // The workflow list filter a team lead uses: every run waiting for a human (visibility is eventually consistent).
    const namespace = h.config.temporal.namespace;
    const query = `MlopsStatus="waiting_approval" AND WorkflowId="${handle.workflowId}"`;
    let listed: string[] = [];
    for (let i = 0; i < 40 && listed.length === 0; i++) {
      listed = [];
      for await (const w of h.client.workflow.list({ query })) listed.push(w.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(listed).toEqual([handle.workflowId]);

    const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toMatch(/\*\*staging\*\* · waiting for approval · step `approval`/);
    expect(metadata.currentDetails).toMatch(/waiting for \*\*demo-approver, alice\*\* \(not oscar\) until \d{4}-/);
    expect(metadata.currentDetails).toMatch(/churn-classifier v1/);

    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => text(e.userMetadata?.summary));
    expect(summaries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ingest churn: /),
        expect.stringMatching(/^validate /),
        expect.stringMatching(/^train logreg/),
        expect.stringMatching(/^train mlp/),
        expect.stringMatching(/^register churn-classifier/),
        expect.stringMatching(/^smoke test /),
      ]),
    );
    expect(summaries.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
    const timers = (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED)
      .map((e) => text(e.userMetadata?.summary));
    expect(timers).toEqual([expect.stringMatching(/^approval: waiting for /)]);

    // In the UI itself: the filtered list shows the run, and the run's page shows its details and summaries.
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const ui = h.config.temporal.uiUrl.replace(/\/$/, '');
      await page.goto(`${ui}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(handle.workflowId).first().waitFor({ timeout: 30_000 });
      await page.goto(`${ui}/namespaces/${namespace}/workflows/${handle.workflowId}`);
      // The timeline names every activity by its summary.
      await page
        .getByText(/train logreg \(1 of 2/)
        .first()
        .waitFor({ timeout: 30_000 });
      await page
        .getByText(/smoke test churn-classifier v1 in staging/)
        .first()
        .waitFor({ timeout: 30_000 });
      // The run's current details (from the workflow's metadata query) while it waits.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      // The UI renders the markdown in a sandboxed frame.
      const deadline = Date.now() + 30_000;
      let shown = '';
      while (!/waiting for approval · step approval/.test(shown) && Date.now() < deadline) {
        await page.waitForTimeout(500);
        const texts = await Promise.all(
          page.frames().map((f) =>
            f
              .locator('body')
              .innerText()
              .catch(() => ''),
          ),
        );
        shown = texts.join('\n');
      }
      expect(shown).toMatch(/staging · waiting for approval · step approval · waiting for demo-approver, alice/);
      await page.screenshot({ path: 'docs/screenshots/temporal-ui-run-details.png' });
    } catch (err) {
      await page.screenshot({ path: join(tmpdir(), 'temporal-ui-failure.png') }).catch(() => undefined);
      throw err;
    } finally {
      await page.close();
    }

    await h.decide(handle, 'approved', 'alice', 'looks right');
    await handle.result();
    const done = await handle.describe();
    expect(done.typedSearchAttributes.get(MLOPS_PHASE)).toBe('production');
    expect(done.typedSearchAttributes.get(MLOPS_STATUS)).toBe('succeeded');
    expect(done.typedSearchAttributes.get(MLOPS_OUTCOME)).toBe('succeeded');
    expect(done.typedSearchAttributes.get(MLOPS_PIPELINE)).toBe('churn');
  }, 300_000);
});
