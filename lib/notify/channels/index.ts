import { emailChannel } from './email';
import type { ChannelKind } from './types';
import { slackChannel } from './slack';
import { webhookChannel } from './webhook';

/** Every channel kind, by name: one line per kind. */
export const CHANNEL_KINDS = {
  webhook: webhookChannel,
  slack: slackChannel,
  email: emailChannel,
} as const;

export type ChannelKindName = keyof typeof CHANNEL_KINDS;
export const CHANNEL_KIND_NAMES = Object.keys(CHANNEL_KINDS) as ChannelKindName[];

export function channelKind(kind: string): ChannelKind<Record<string, unknown>> {
  const found = (CHANNEL_KINDS as Record<string, unknown>)[kind];
  if (!found) throw new Error(`Unknown notification channel kind "${kind}" (known: ${CHANNEL_KIND_NAMES.join(', ')})`);
  return found as ChannelKind<Record<string, unknown>>;
}

export type { ChannelKind, SendOptions } from './types';
