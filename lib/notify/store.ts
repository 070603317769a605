import type { Db } from '../db';
import type { NotifyEvent } from './types';

export interface ChannelRow {
  id: number;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  events: NotifyEvent[];
  pipelines: string[];
  enabled: boolean;
  created_by: string;
  created_at: Date;
  updated_by: string | null;
  updated_at: Date | null;
}

export interface DeliveryRow {
  id: number;
  channel_id: number;
  dedupe_key: string;
  event: string;
  status: 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  run_id: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface NewChannel {
  name: string;
  kind: string;
  config: Record<string, unknown>;
  events: NotifyEvent[];
  pipelines: string[];
  enabled: boolean;
  createdBy: string;
}

export async function insertChannel(db: Db, c: NewChannel): Promise<ChannelRow> {
  const [row] = await db('notification_channels')
    .insert({
      name: c.name,
      kind: c.kind,
      config: JSON.stringify(c.config),
      events: c.events,
      pipelines: c.pipelines,
      enabled: c.enabled,
      created_by: c.createdBy,
    })
    .returning('*');
  return row as ChannelRow;
}

export async function getChannel(db: Db, id: number): Promise<ChannelRow | undefined> {
  return db<ChannelRow>('notification_channels').where({ id }).first();
}

export async function findChannelByName(db: Db, name: string): Promise<ChannelRow | undefined> {
  return db<ChannelRow>('notification_channels').where({ name }).first();
}

export async function listChannels(db: Db): Promise<ChannelRow[]> {
  return db<ChannelRow>('notification_channels').orderBy('id');
}

export async function updateChannel(
  db: Db,
  id: number,
  patch: Partial<Pick<ChannelRow, 'name' | 'config' | 'events' | 'pipelines' | 'enabled'>>,
  updatedBy: string,
): Promise<ChannelRow | undefined> {
  const values: Record<string, unknown> = { updated_by: updatedBy, updated_at: db.fn.now() };
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.config !== undefined) values.config = JSON.stringify(patch.config);
  if (patch.events !== undefined) values.events = patch.events;
  if (patch.pipelines !== undefined) values.pipelines = patch.pipelines;
  if (patch.enabled !== undefined) values.enabled = patch.enabled;
  const [row] = await db('notification_channels').where({ id }).update(values).returning('*');
  return row as ChannelRow | undefined;
}

export async function deleteChannel(db: Db, id: number): Promise<boolean> {
  return (await db('notification_channels').where({ id }).delete()) > 0;
}

/** Enabled channels subscribed to the event, and to the pipeline when they name pipelines. */
export async function channelsFor(db: Db, event: NotifyEvent, pipeline?: string): Promise<ChannelRow[]> {
  const q = db<ChannelRow>('notification_channels')
    .where({ enabled: true })
    .whereRaw('? = any(events)', [event])
    .orderBy('id');
  if (pipeline) void q.where((w) => w.whereRaw("pipelines = '{}'").orWhereRaw('? = any(pipelines)', [pipeline]));
  else void q.whereRaw("pipelines = '{}'");
  return q;
}

export async function findDelivery(db: Db, channelId: number, dedupeKey: string): Promise<DeliveryRow | undefined> {
  return db<DeliveryRow>('notification_deliveries').where({ channel_id: channelId, dedupe_key: dedupeKey }).first();
}

/** One row per channel and event: every attempt updates it (attempt count, last error, delivery time). */
export async function recordDeliveryAttempt(
  db: Db,
  attempt: { channelId: number; dedupeKey: string; event: string; runId?: string; error?: string },
): Promise<void> {
  const delivered = attempt.error === undefined;
  await db('notification_deliveries')
    .insert({
      channel_id: attempt.channelId,
      dedupe_key: attempt.dedupeKey,
      event: attempt.event,
      run_id: attempt.runId ?? null,
      status: delivered ? 'delivered' : 'failed',
      attempts: 1,
      last_error: attempt.error ?? null,
      delivered_at: delivered ? db.fn.now() : null,
    })
    .onConflict(['channel_id', 'dedupe_key'])
    .merge({
      status: delivered ? 'delivered' : 'failed',
      attempts: db.raw('notification_deliveries.attempts + 1'),
      last_error: attempt.error ?? null,
      delivered_at: delivered ? db.fn.now() : null,
    });
}

export async function listDeliveries(
  db: Db,
  filter: { channelId?: number; runId?: string; limit: number },
): Promise<Array<DeliveryRow & { channel_name: string }>> {
  const q = db('notification_deliveries as d')
    .join('notification_channels as c', 'c.id', 'd.channel_id')
    .select('d.*', 'c.name as channel_name')
    .orderBy('d.id', 'desc')
    .limit(filter.limit);
  if (filter.channelId !== undefined) void q.where('d.channel_id', filter.channelId);
  if (filter.runId) void q.where('d.run_id', filter.runId);
  return q;
}
