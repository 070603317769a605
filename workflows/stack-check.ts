import { proxyActivities } from '@temporalio/workflow';
import type { StackCheckActivities } from '../activities/stack-check';

const { recordStackCheck } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface StackCheckInput {
  message: string;
}

/** End-to-end check of the stack: this workflow's activity writes to the artifact store and the metadata DB. */
export async function stackCheck({ message }: StackCheckInput) {
  return recordStackCheck({ message });
}
