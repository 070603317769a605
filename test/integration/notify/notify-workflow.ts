import { proxyActivities } from '@temporalio/workflow';
import type { NotifyActivities, NotifyInput, NotifyResult } from '../../../activities/notify';

// How a workflow calls the notify activity: retries with backoff (here fast, for the test).
const { notify } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 6 },
});

export async function notifyOnce(input: NotifyInput): Promise<NotifyResult> {
  return notify(input);
}
