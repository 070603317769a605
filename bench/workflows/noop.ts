import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

/** Baseline for bench:pipeline: Temporal's own cost of a sequence of activities that do nothing. */
export async function noopSteps({ steps }: { steps: number }): Promise<void> {
  for (let i = 0; i < steps; i += 1) await noop();
}
