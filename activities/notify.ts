import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import { loadConsoleConfig } from '../lib/config/console';
import { NotifyEvent, dispatchNotification, type ChannelOutcome, type NotificationInput } from '../lib/notify';
import type { ActivityDeps } from './deps';

/**
 * What a workflow or the monitor passes to `notify`. There is deliberately no destination field: notifications go
 * only to the channels an admin configured (POST /v1/notifications/channels), never to a URL from a spec or a run.
 */
export interface NotifyInput extends NotificationInput {
  /**
   * Identifies this event across retries, so a channel never gets it twice. Default: the calling workflow
   * execution and activity id, which stay the same over every retry and replay of the call.
   */
  dedupeKey?: string;
}

export interface NotifyResult {
  /** One entry per channel subscribed to the event (empty when none is). */
  channels: ChannelOutcome[];
}

export function createNotifyActivities(deps: Pick<ActivityDeps, 'db' | 'log' | 'config'>) {
  const linkBaseUrl = loadConsoleConfig().linkBaseUrl ?? deps.config.api.publicUrl;
  return {
    /**
     * Sends one event to every subscribed channel. A channel that fails in a way a retry can fix (network, 5xx,
     * 429, SMTP 4xx) makes the activity fail so Temporal retries it; channels already delivered are skipped then.
     * A permanent refusal (4xx, SMTP 5xx) is logged and reported in the result: retrying would not help.
     */
    async notify(input: NotifyInput): Promise<NotifyResult> {
      const event = NotifyEvent.safeParse(input.event);
      if (!event.success) {
        throw ApplicationFailure.create({
          type: 'InvalidNotification',
          message: `Unknown notification event ${JSON.stringify(input.event)} (known: ${NotifyEvent.options.join(', ')})`,
          nonRetryable: true,
        });
      }
      const info = activityInfo();
      const dedupeKey =
        input.dedupeKey ??
        `${info.workflowExecution?.workflowId ?? 'standalone'}:${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
      const log = deps.log.child({ event: input.event, runId: input.runId, attempt: info.attempt });
      const channels = await dispatchNotification(deps.db, { ...input, event: event.data }, { dedupeKey, linkBaseUrl });
      const failed = channels.filter((c) => c.status === 'failed');
      for (const c of failed)
        log.warn({ channel: c.channel, retryable: c.retryable, err: c.error }, 'notification failed');
      const retry = failed.filter((c) => c.retryable);
      if (retry.length > 0) {
        throw ApplicationFailure.retryable(
          `Notification not delivered to ${retry.map((c) => `${c.channel} (${c.error})`).join('; ')}`,
          'NotificationDeliveryFailed',
          { channels },
        );
      }
      log.info({ delivered: channels.filter((c) => c.status === 'delivered').length }, 'notification sent');
      return { channels };
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
