import { z } from 'zod';

/** What can be notified. Channels subscribe to a subset. */
export const NotifyEvent = z.enum([
  'approval_pending',
  'approval_decided',
  'run_failed',
  'alert_raised',
  'canary_rolled_back',
]);
export type NotifyEvent = z.infer<typeof NotifyEvent>;

/** What the caller (a workflow through the notify activity, or the API) says happened. */
export interface NotificationInput {
  event: NotifyEvent;
  runId?: string;
  pipeline?: string;
  model?: string;
  version?: number;
  /**
   * Event facts, shown as fields: approval_pending {deadline, approvers}, approval_decided {decision, by, reason},
   * run_failed {error, step}, alert_raised {alertId, kind, message}, canary_rolled_back {reason, step, approvedBy}. Never a destination: channels set those.
   */
  details?: Record<string, unknown>;
}

/** A notification ready to send: the same content for every channel, each renders it in its own format. */
export interface Notification {
  /** Unique per event: receivers can drop a redelivery with the same id. */
  id: string;
  event: NotifyEvent;
  title: string;
  /** One paragraph of plain text. */
  text: string;
  fields: Array<{ label: string; value: string }>;
  /** Deep links into the web console (and the API), absolute. */
  links: { console: string; [name: string]: string };
  runId?: string;
  pipeline?: string;
  model?: string;
  version?: number;
  details: Record<string, unknown>;
  at: string;
}

/** A send that failed; `retryable` says whether trying again later can help (network, 5xx, 429). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
