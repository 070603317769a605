import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { httpUrl, maskedUrl, originOf, postJson } from './http';
import type { ChannelKind } from './types';

const RESERVED_HEADERS = /^(host|content-type|content-length|user-agent|x-mlops-.*|connection|transfer-encoding)$/i;

export const WebhookConfig = z.strictObject({
  /** Where the JSON is POSTed. */
  url: httpUrl('url'),
  /** Signs each body: X-Mlops-Signature = sha256=HMAC-SHA256(secret, "<X-Mlops-Timestamp>.<body>"). */
  secret: z.string().min(16, 'at least 16 characters').max(200).optional(),
  /** Extra request headers, e.g. an Authorization the receiver expects. */
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9-]{1,60}$/, 'a header name')
        .refine((h) => !RESERVED_HEADERS.test(h), 'this header is set by the sender'),
      z.string().max(1000),
    )
    .optional(),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A generic JSON webhook: the notification as JSON, signed when a secret is set. */
export const webhookChannel: ChannelKind<WebhookConfig> = {
  kind: 'webhook',
  config: WebhookConfig,
  secretFields: ['url', 'secret', 'headers'],
  redact: (c) => ({
    url: maskedUrl(c.url),
    secret: c.secret ? '***' : null,
    headers: Object.fromEntries(Object.keys(c.headers ?? {}).map((h) => [h, '***'])),
  }),
  destination: (c) => originOf(c.url),
  async send(c, n, options) {
    const body = JSON.stringify(n);
    const timestamp = String(Math.floor(Date.now() / 1000));
    await postJson(c.url, body, {
      timeoutMs: options.timeoutMs,
      headers: {
        ...c.headers,
        'x-mlops-event': n.event,
        'x-mlops-delivery': n.id,
        'x-mlops-timestamp': timestamp,
        ...(c.secret ? { 'x-mlops-signature': webhookSignature(c.secret, timestamp, body) } : {}),
      },
    });
  },
};
