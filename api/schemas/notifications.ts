import { z } from 'zod';
import { EmailConfig } from '../../lib/notify/channels/email';
import { SlackConfig } from '../../lib/notify/channels/slack';
import { WebhookConfig } from '../../lib/notify/channels/webhook';
import { NotifyEvent } from '../../lib/notify/types';
import { NullableTimestamp, PipelineName, Timestamp } from './common';

const ChannelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, 'letters, digits, spaces and . _ - (max 100)')
  .describe('A name for people: "ops e-mail", "slack #ml-releases"');

const Events = z
  .array(NotifyEvent)
  .min(1, 'subscribe to at least one event')
  .refine((e) => new Set(e).size === e.length, 'an event is listed twice')
  .describe('The events this channel receives');

const Pipelines = z
  .array(PipelineName)
  .max(100)
  .describe('Only events of these pipelines (empty: every pipeline; alerts carry the model, not always a pipeline)');

const common = {
  name: ChannelName,
  events: Events,
  pipelines: Pipelines.default([]),
  enabled: z.boolean().default(true),
};

export const CreateChannelBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), config: WebhookConfig, ...common }),
  z.object({ kind: z.literal('slack'), config: SlackConfig, ...common }),
  z.object({ kind: z.literal('email'), config: EmailConfig, ...common }),
]);

export const UpdateChannelBody = z
  .object({
    name: ChannelName.optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Fields to change in the channel's configuration; secrets left out keep their stored value"),
    events: Events.optional(),
    pipelines: Pipelines.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to update', path: [] });

export const ChannelParams = z.object({ channelId: z.coerce.number().int().min(1).max(2_147_483_647) });

export const ChannelView = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['webhook', 'slack', 'email']),
  config: z.record(z.string(), z.unknown()).describe('The configuration with its secrets masked'),
  destination: z.string(),
  events: z.array(NotifyEvent),
  pipelines: z.array(z.string()),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: Timestamp,
  updatedBy: z.string().nullable(),
  updatedAt: NullableTimestamp,
});
export const ListChannelsResponse = z.object({ items: z.array(ChannelView), events: z.array(NotifyEvent) });

export const ChannelTestResponse = z.object({
  channel: z.string(),
  status: z.enum(['delivered', 'failed']),
  error: z.string().nullable(),
  retryable: z.boolean().nullable(),
});

export const DeliveriesQuery = z.object({
  channel: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
  runId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const DeliveriesResponse = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      channelId: z.number().int(),
      channel: z.string(),
      event: z.string(),
      status: z.enum(['delivered', 'failed']),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      runId: z.string().nullable(),
      createdAt: Timestamp,
      deliveredAt: NullableTimestamp,
    }),
  ),
});
