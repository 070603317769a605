import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { DataActivities } from '../../activities/data';
import type { NotifyActivities, NotifyInput } from '../../activities/notify';
import type { LightActivities } from '../../activities/light';
import type { RegistryActivities } from '../../activities/registry';
import type { TrainingActivities } from '../../activities/training';
import type { PipelineSpec } from '../../lib/pipeline/spec';
import { durationMs, timeoutForBytes } from './policy';

// Bad data and bad specs fail the same way on every attempt: retrying them only delays the clear error.
export const NON_RETRYABLE = [
  'DataValidationFailed',
  'DataError',
  'SpecError',
  'SmokeTestFailed',
  'RegistryError',
  'DecisionNotAuthentic',
];

const lightOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/** Rides out a database or S3 outage of several minutes (2 s, 4 s, … then every 30 s), but not bad data. */
const DATA_RETRY = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 15,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

/** Bookkeeping, spec loading, registry and deployment writes: quick, retried patiently (DB or S3 may blink). */
export const light = proxyActivities<LightActivities & RegistryActivities>(lightOptions);

/** The same, with a one-line summary the Temporal UI shows on the activity's events. */
export function lightAs(summary: string | undefined) {
  return summary ? proxyActivities<LightActivities & RegistryActivities>({ ...lightOptions, summary }) : light;
}

/**
 * Run bookkeeping as a local activity: a row update needs no task queue round trip and no history events of its
 * own beyond a marker (it used to be 7 of a run's 23 activities). Retried patiently like any light activity.
 */
export function recordLocally(summary: string) {
  return proxyLocalActivities<Pick<LightActivities, 'recordRunStatus'>>({
    startToCloseTimeout: '1 minute',
    localRetryThreshold: '10 seconds',
    retry: lightOptions.retry,
    summary,
  }).recordRunStatus;
}

/** Read from this worker's configuration (local: recorded by the worker itself, never completed by a client). */
export const approvalKeys = proxyLocalActivities<Pick<LightActivities, 'approvalVerificationKeys'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['ApprovalKeysMissing'] },
});

/** Data steps, timed by the size of the raw data they read. */
export function dataActivities(rawBytes: number, summary?: string) {
  const timeout = timeoutForBytes(rawBytes);
  return proxyActivities<DataActivities>({
    startToCloseTimeout: timeout,
    heartbeatTimeout: '2 minutes',
    retry: DATA_RETRY,
    ...(summary ? { summary } : {}),
  });
}

const ingestOptions: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: DATA_RETRY,
};

/** Ingest runs before the size is known: its own timeout, heartbeating as bytes arrive. */
export const ingest = proxyActivities<DataActivities>(ingestOptions);

export function ingestAs(summary: string | undefined) {
  return summary ? proxyActivities<DataActivities>({ ...ingestOptions, summary }) : ingest;
}

/** Training-queue activities (TensorFlow.js): one proxy per candidate so the Temporal UI names each one. */
export function trainingActivities(
  spec: PipelineSpec,
  defaultQueue: string | undefined,
  activityId?: string,
  summary?: string,
) {
  return proxyActivities<TrainingActivities>({
    ...(summary ? { summary } : {}),
    taskQueue: spec.training.taskQueue ?? defaultQueue,
    startToCloseTimeout: durationMs(spec.training.timeout),
    heartbeatTimeout: durationMs(spec.training.heartbeatTimeout),
    activityId,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: spec.training.maxAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/**
 * Notifications to the channels an admin configured (never to a URL from a spec). Retried for up to 15 minutes with
 * backoff; a notification that cannot be delivered never fails the run (callers catch).
 */
export function notifyAs(summary: string) {
  return proxyActivities<NotifyActivities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '15 minutes',
    retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10 minutes' },
    summary,
  }).notify;
}

export type { NotifyInput };
