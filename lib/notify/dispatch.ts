import { createHash } from 'node:crypto';
import type { Db } from '../db';
import { channelKind } from './channels';
import { buildNotification } from './message';
import { channelsFor, findDelivery, recordDeliveryAttempt, type ChannelRow } from './store';
import { DeliveryError, type Notification, type NotificationInput } from './types';

export const SEND_TIMEOUT_MS = 10_000;

export interface DispatchOptions {
  /** Identifies the event across retries: a channel that already has it delivered is skipped. */
  dedupeKey: string;
  /** The API's public URL: links go to <base>/ui/... */
  linkBaseUrl: string;
  timeoutMs?: number;
}

export interface ChannelOutcome {
  channel: string;
  kind: string;
  status: 'delivered' | 'already_delivered' | 'failed';
  error?: string;
  retryable?: boolean;
}

export function notificationId(dedupeKey: string): string {
  return createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32);
}

/** Sends one notification through one channel and records the attempt; never throws. */
export async function sendThroughChannel(
  db: Db,
  channel: ChannelRow,
  notification: Notification,
  options: { dedupeKey: string; timeoutMs?: number },
): Promise<ChannelOutcome> {
  const base = { channel: channel.name, kind: channel.kind };
  let error: DeliveryError | undefined;
  try {
    const kind = channelKind(channel.kind);
    const config = kind.config.safeParse(channel.config);
    if (!config.success) throw new DeliveryError(`configuration is invalid: ${config.error.issues[0]?.message}`, false);
    await kind.send(config.data, notification, { timeoutMs: options.timeoutMs ?? SEND_TIMEOUT_MS });
  } catch (err) {
    error = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, true);
  }
  await recordDeliveryAttempt(db, {
    channelId: channel.id,
    dedupeKey: options.dedupeKey,
    event: notification.event,
    runId: notification.runId,
    error: error?.message.slice(0, 1000),
  });
  return error
    ? { ...base, status: 'failed', error: error.message, retryable: error.retryable }
    : { ...base, status: 'delivered' };
}

/**
 * Sends the event to every enabled channel subscribed to it. Channels are set only by admins (the outbound
 * allow-list): nothing in the input chooses a destination. Channels that already delivered this event are skipped,
 * so the caller can retry the whole dispatch after a failure.
 */
export async function dispatchNotification(
  db: Db,
  input: NotificationInput,
  options: DispatchOptions,
): Promise<ChannelOutcome[]> {
  const channels = await channelsFor(db, input.event, input.pipeline);
  const notification = buildNotification(input, {
    id: notificationId(options.dedupeKey),
    linkBaseUrl: options.linkBaseUrl,
  });
  return Promise.all(
    channels.map(async (channel) => {
      const previous = await findDelivery(db, channel.id, options.dedupeKey);
      if (previous?.status === 'delivered') {
        return { channel: channel.name, kind: channel.kind, status: 'already_delivered' as const };
      }
      return sendThroughChannel(db, channel, notification, options);
    }),
  );
}
