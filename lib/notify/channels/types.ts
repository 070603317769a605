import type { z } from 'zod';
import type { Notification } from '../types';

export interface SendOptions {
  timeoutMs: number;
}

/**
 * A kind of notification channel: its configuration (what an admin sets; validated on every write), how the API
 * shows it (secrets masked), and how it sends. Adding a kind is a file plus one line in channels/index.ts; the
 * contract suite runs every kind.
 */
export interface ChannelKind<C = Record<string, unknown>> {
  kind: string;
  config: z.ZodType<C>;
  /** The configuration without its secrets, for API responses. */
  redact(config: C): Record<string, unknown>;
  /** The names of the configuration fields that hold secrets: kept when an update leaves them out. */
  secretFields: readonly string[];
  /** Where it sends, safe to log: a URL's origin, an SMTP host and the recipients. */
  destination(config: C): string;
  /** Throws a DeliveryError saying whether a retry can help. */
  send(config: C, notification: Notification, options: SendOptions): Promise<void>;
}
