import type { Notification, NotificationInput } from './types';

const MAX_FIELD = 500;

function clip(value: string, max = MAX_FIELD): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return clip(value.map(show).join(', '));
  if (typeof value === 'object') return clip(JSON.stringify(value));
  return clip(String(value));
}

const FIELD_LABELS: Record<string, string> = {
  deadline: 'Deadline',
  approvers: 'Approvers',
  decision: 'Decision',
  by: 'By',
  reason: 'Reason',
  error: 'Error',
  step: 'Step',
  alertId: 'Alert',
  kind: 'Kind',
  message: 'Message',
  approvedBy: 'Approved by',
};

function subject(input: NotificationInput): string {
  const model = input.model ? `${input.model}${input.version !== undefined ? ` v${input.version}` : ''}` : '';
  const run = input.pipeline ? `${input.pipeline} run` : 'run';
  const d = input.details ?? {};
  switch (input.event) {
    case 'approval_pending':
      return `Approval needed: ${model || run}${input.runId ? ` (${input.runId})` : ''}`;
    case 'approval_decided':
      return `${model || run} ${d.decision === 'rejected' ? 'rejected' : 'approved'}${d.by ? ` by ${show(d.by)}` : ''}`;
    case 'run_failed':
      return `Run failed: ${input.runId ?? run}${input.pipeline ? ` (${input.pipeline})` : ''}`;
    case 'alert_raised':
      return `Alert on ${model || 'a model'}: ${show(d.kind) || 'monitoring'}`;
    case 'canary_rolled_back':
      return `Canary rolled back: ${model || run}`;
  }
}

function paragraph(input: NotificationInput): string {
  const d = input.details ?? {};
  switch (input.event) {
    case 'approval_pending':
      return `${input.model ? `Version ${input.version ?? '?'} of ${input.model}` : 'A model version'} passed the gate and the staging smoke test and waits for a decision${d.deadline ? ` until ${show(d.deadline)}` : ''}.`;
    case 'approval_decided':
      return `The ${d.decision === 'rejected' ? 'rejection' : 'approval'} was recorded${d.reason ? `: ${show(d.reason)}` : '.'}`;
    case 'run_failed':
      return `The run stopped${d.step ? ` at ${show(d.step)}` : ''}${d.error ? `: ${show(d.error)}` : '.'}`;
    case 'alert_raised':
      return show(d.message) || 'Monitoring raised an alert.';
    case 'canary_rolled_back':
      return `A guardrail check failed during the canary, so all traffic is back on production and the version is archived${d.reason ? `: ${show(d.reason)}` : '.'}`;
  }
}

/** Links only ever point into this installation's console: the base comes from configuration, ids are encoded. */
export function consoleLinks(base: string, input: NotificationInput): Notification['links'] {
  const root = `${base.replace(/\/+$/, '')}/ui`;
  const run = input.runId ? `${root}/runs/${encodeURIComponent(input.runId)}` : undefined;
  const model = input.model ? `${root}/models/${encodeURIComponent(input.model)}` : undefined;
  switch (input.event) {
    case 'approval_pending':
      return { console: run ?? `${root}/approvals`, approvals: `${root}/approvals` };
    case 'alert_raised':
      return {
        console: input.model ? `${root}/monitoring?model=${encodeURIComponent(input.model)}` : `${root}/monitoring`,
        ...(model ? { model } : {}),
      };
    default:
      return { console: run ?? `${root}/runs`, ...(model ? { model } : {}) };
  }
}

export function buildNotification(
  input: NotificationInput,
  options: { id: string; linkBaseUrl: string; now?: Date },
): Notification {
  const details = input.details ?? {};
  const fields = [
    ...(input.pipeline ? [{ label: 'Pipeline', value: input.pipeline }] : []),
    ...(input.runId ? [{ label: 'Run', value: input.runId }] : []),
    ...(input.model
      ? [{ label: 'Model', value: `${input.model}${input.version !== undefined ? ` v${input.version}` : ''}` }]
      : []),
    ...Object.entries(details)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => ({ label: FIELD_LABELS[k] ?? k, value: show(v) })),
  ];
  return {
    id: options.id,
    event: input.event,
    title: clip(subject(input), 200),
    text: clip(paragraph(input), 2000),
    fields,
    links: consoleLinks(options.linkBaseUrl, input),
    runId: input.runId,
    pipeline: input.pipeline,
    model: input.model,
    version: input.version,
    details,
    at: (options.now ?? new Date()).toISOString(),
  };
}
