import { z } from 'zod';
import type { Notification } from '../types';
import { httpUrl, maskedUrl, originOf, postJson } from './http';
import type { ChannelKind } from './types';

export const SlackConfig = z.strictObject({
  /** The incoming-webhook URL (Slack, or a compatible server such as Mattermost or Rocket.Chat). It is a secret. */
  url: httpUrl('url'),
});
export type SlackConfig = z.infer<typeof SlackConfig>;

/** Slack mrkdwn treats &, < and > as control characters: text from runs and errors must not become links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(n: Notification) {
  const fields = n.fields.slice(0, 10).map((f) => ({
    type: 'mrkdwn',
    text: `*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value).slice(0, 1900)}`,
  }));
  return {
    text: `${escapeMrkdwn(n.title)}: ${escapeMrkdwn(n.text)} ${n.links.console}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(n.text) } },
      ...(fields.length ? [{ type: 'section', fields }] : []),
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in the console' }, url: n.links.console }],
      },
    ],
  };
}

/** A Slack-compatible incoming webhook: text for clients that show only that, blocks for the rest. */
export const slackChannel: ChannelKind<SlackConfig> = {
  kind: 'slack',
  config: SlackConfig,
  secretFields: ['url'],
  redact: (c) => ({ url: maskedUrl(c.url) }),
  destination: (c) => originOf(c.url),
  async send(c, n, options) {
    await postJson(c.url, JSON.stringify(slackPayload(n)), { timeoutMs: options.timeoutMs });
  },
};
