import { recordAudit } from '../../lib/audit';
import {
  buildNotification,
  channelKind,
  deleteChannel,
  findChannelByName,
  getChannel,
  insertChannel,
  listChannels,
  listDeliveries,
  notificationId,
  sendThroughChannel,
  updateChannel,
  NotifyEvent,
  type ChannelRow,
} from '../../lib/notify';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { iso, isoRequired } from '../schemas/common';
import {
  ChannelParams,
  ChannelTestResponse,
  ChannelView,
  CreateChannelBody,
  DeliveriesQuery,
  DeliveriesResponse,
  ListChannelsResponse,
  UpdateChannelBody,
} from '../schemas/notifications';

// Notification channels are the outbound allow-list: only admins set destinations, and every change is audited.
const ADMIN = { role: 'admin' } as const;

function channelView(row: ChannelRow) {
  const kind = channelKind(row.kind);
  const parsed = kind.config.safeParse(row.config);
  return {
    id: Number(row.id),
    name: row.name,
    kind: row.kind as 'webhook' | 'slack' | 'email',
    config: parsed.success ? kind.redact(parsed.data) : {},
    destination: parsed.success ? kind.destination(parsed.data) : 'invalid configuration',
    events: row.events,
    pipelines: row.pipelines,
    enabled: row.enabled,
    createdBy: row.created_by,
    createdAt: isoRequired(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: iso(row.updated_at),
  };
}

async function requireChannel(deps: ApiDeps, id: number): Promise<ChannelRow> {
  const row = await getChannel(deps.db, id);
  if (!row) {
    throw new ApiError(
      404,
      'CHANNEL_NOT_FOUND',
      `No notification channel ${id}: GET /v1/notifications/channels lists them.`,
    );
  }
  return row;
}

async function assertNameFree(deps: ApiDeps, name: string, except?: number): Promise<void> {
  const existing = await findChannelByName(deps.db, name);
  if (existing && Number(existing.id) !== except) {
    throw new ApiError(
      409,
      'CHANNEL_EXISTS',
      `A notification channel named "${name}" exists already (id ${existing.id}).`,
    );
  }
}

/** The stored configuration with the changes applied; secrets the change leaves out keep their value. */
function mergedConfig(row: ChannelRow, change: Record<string, unknown>) {
  const kind = channelKind(row.kind);
  const merged = { ...row.config, ...change };
  const parsed = kind.config.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: ['body', 'config', ...i.path].join('.'),
      message: i.message,
    }));
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      `Invalid ${row.kind} configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        issues,
      },
    );
  }
  return parsed.data;
}

export function notificationRoutes(deps: ApiDeps) {
  const linkBaseUrl = deps.console?.linkBaseUrl ?? deps.settings.publicUrl;
  const audit = (actor: string, action: string, row: ChannelRow, details: Record<string, unknown> = {}) =>
    recordAudit(deps.db, {
      actor,
      action,
      target: `notification-channel:${row.id}`,
      details: { name: row.name, kind: row.kind, destination: channelView(row).destination, ...details },
    });
  return [
    defineRoute({
      operationId: 'listNotificationChannels',
      method: 'get',
      path: '/v1/notifications/channels',
      summary: 'Notification channels (secrets masked) and the events they can subscribe to',
      tags: ['notifications'],
      access: ADMIN,
      request: {},
      responses: { 200: ListChannelsResponse },
      errors: [401, 403],
      async handle() {
        const items = (await listChannels(deps.db)).map(channelView);
        return { status: 200, body: { items, events: NotifyEvent.options } };
      },
    }),
    defineRoute({
      operationId: 'createNotificationChannel',
      method: 'post',
      path: '/v1/notifications/channels',
      summary: 'Add a channel: a JSON webhook, a Slack-compatible incoming webhook or e-mail over SMTP (audited)',
      tags: ['notifications'],
      access: ADMIN,
      request: { body: CreateChannelBody },
      responses: { 201: ChannelView },
      errors: [400, 401, 403, 409],
      async handle({ body, principal }) {
        await assertNameFree(deps, body.name);
        const row = await insertChannel(deps.db, {
          name: body.name,
          kind: body.kind,
          config: body.config as Record<string, unknown>,
          events: body.events,
          pipelines: body.pipelines,
          enabled: body.enabled,
          createdBy: principal.id,
        });
        await audit(principal.id, 'notify.channel.create', row, { events: row.events, pipelines: row.pipelines });
        return { status: 201, body: channelView(row) };
      },
    }),
    defineRoute({
      operationId: 'getNotificationChannel',
      method: 'get',
      path: '/v1/notifications/channels/:channelId',
      summary: 'A notification channel (secrets masked)',
      tags: ['notifications'],
      access: ADMIN,
      request: { params: ChannelParams },
      responses: { 200: ChannelView },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: channelView(await requireChannel(deps, params.channelId)) };
      },
    }),
    defineRoute({
      operationId: 'updateNotificationChannel',
      method: 'patch',
      path: '/v1/notifications/channels/:channelId',
      summary: 'Change a channel: name, configuration fields, events, pipelines, enabled (audited)',
      tags: ['notifications'],
      access: ADMIN,
      request: { params: ChannelParams, body: UpdateChannelBody },
      responses: { 200: ChannelView },
      errors: [400, 401, 403, 404, 409],
      async handle({ params, body, principal }) {
        const row = await requireChannel(deps, params.channelId);
        if (body.name) await assertNameFree(deps, body.name, Number(row.id));
        const config = body.config ? mergedConfig(row, body.config) : undefined;
        const updated = (await updateChannel(
          deps.db,
          params.channelId,
          { ...body, config },
          principal.id,
        )) as ChannelRow;
        await audit(principal.id, 'notify.channel.update', updated, {
          changed: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined),
          configFields: Object.keys(body.config ?? {}),
        });
        return { status: 200, body: channelView(updated) };
      },
    }),
    defineRoute({
      operationId: 'deleteNotificationChannel',
      method: 'delete',
      path: '/v1/notifications/channels/:channelId',
      summary: 'Remove a channel and its delivery log (audited)',
      tags: ['notifications'],
      access: ADMIN,
      request: { params: ChannelParams },
      responses: { 204: null },
      errors: [400, 401, 403, 404],
      async handle({ params, principal }) {
        const row = await requireChannel(deps, params.channelId);
        await deleteChannel(deps.db, params.channelId);
        await audit(principal.id, 'notify.channel.delete', row);
        return { status: 204, body: undefined };
      },
    }),
    defineRoute({
      operationId: 'testNotificationChannel',
      method: 'post',
      path: '/v1/notifications/channels/:channelId/test',
      summary: 'Send a test message through a channel now and report what happened (audited)',
      tags: ['notifications'],
      access: ADMIN,
      request: { params: ChannelParams },
      responses: { 200: ChannelTestResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, principal }) {
        const row = await requireChannel(deps, params.channelId);
        const dedupeKey = `test:${row.id}:${Date.now()}`;
        const notification = buildNotification(
          {
            event: row.events[0] ?? 'approval_pending',
            pipeline: 'example',
            runId: 'example-run',
            model: 'example-model',
            version: 1,
            details: { note: `A test from ${principal.id}: this channel works.` },
          },
          { id: notificationId(dedupeKey), linkBaseUrl },
        );
        notification.title = `Test: ${notification.title}`;
        const outcome = await sendThroughChannel(deps.db, row, notification, { dedupeKey });
        await audit(principal.id, 'notify.channel.test', row, { status: outcome.status });
        return {
          status: 200,
          body: {
            channel: row.name,
            status: outcome.status === 'failed' ? ('failed' as const) : ('delivered' as const),
            error: outcome.error ?? null,
            retryable: outcome.retryable ?? null,
          },
        };
      },
    }),
    defineRoute({
      operationId: 'listNotificationDeliveries',
      method: 'get',
      path: '/v1/notifications/deliveries',
      summary: 'Recent deliveries: per event and channel, status, attempts and the last error',
      tags: ['notifications'],
      access: ADMIN,
      request: { query: DeliveriesQuery },
      responses: { 200: DeliveriesResponse },
      errors: [400, 401, 403],
      async handle({ query }) {
        const rows = await listDeliveries(deps.db, {
          channelId: query.channel,
          runId: query.runId,
          limit: query.limit,
        });
        const items = rows.map((d) => ({
          id: Number(d.id),
          channelId: Number(d.channel_id),
          channel: d.channel_name,
          event: d.event,
          status: d.status,
          attempts: d.attempts,
          lastError: d.last_error,
          runId: d.run_id,
          createdAt: isoRequired(d.created_at),
          deliveredAt: iso(d.delivered_at),
        }));
        return { status: 200, body: { items } };
      },
    }),
  ];
}
