import { useState } from 'react';
import { del, patch, post } from '../data/client';
import { useAction, useChannels, useDeliveries } from '../data/queries';
import type { Channel, ChannelTest } from '../data/types';
import { ConfirmDialog } from '../components/Dialog';
import { fmtTime } from '../components/format';
import { Badge, Empty, ErrorNotice, Loading, PageTitle, Panel } from '../components/ui';
import { ChannelForm } from './ChannelForm';

/** Admins only (the API refuses everyone else): the channels notifications go to, and what was delivered. */
export function NotificationsPage() {
  const channels = useChannels();
  const deliveries = useDeliveries();
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<Channel>();
  const [tested, setTested] = useState<ChannelTest>();
  const create = useAction((body: Record<string, unknown>) => post('/v1/notifications/channels', body), [['channels']]);
  const toggle = useAction(
    (c: Channel) => patch(`/v1/notifications/channels/${c.id}`, { enabled: !c.enabled }),
    [['channels']],
  );
  const test = useAction(
    (c: Channel) => post<ChannelTest>(`/v1/notifications/channels/${c.id}/test`, {}),
    [['deliveries']],
  );
  const remove = useAction((c: Channel) => del(`/v1/notifications/channels/${c.id}`), [['channels'], ['deliveries']]);
  return (
    <>
      <PageTitle
        title="Notifications"
        sub="Approval pending, approval decided, run failed and alert raised, sent to the channels set here (and nowhere else)"
        actions={
          !creating ? (
            <button type="button" className="primary" onClick={() => setCreating(true)}>
              New channel
            </button>
          ) : null
        }
      />
      <ErrorNotice error={channels.error ?? toggle.error ?? test.error} />
      {creating ? (
        <Panel title="New channel">
          <ChannelForm
            events={channels.data?.events ?? []}
            busy={create.isPending}
            error={create.error}
            onCancel={() => setCreating(false)}
            onSubmit={(body) => create.mutate(body, { onSuccess: () => setCreating(false) })}
          />
        </Panel>
      ) : null}
      {tested ? (
        <div className={`notice ${tested.status === 'delivered' ? 'notice-ok' : 'notice-bad'}`} role="status">
          Test through {tested.channel}: {tested.status}
          {tested.error ? ` (${tested.error})` : ''}
        </div>
      ) : null}
      <Panel title="Channels">
        {channels.isLoading ? (
          <Loading what="channels" />
        ) : (channels.data?.items.length ?? 0) === 0 ? (
          <Empty>No channel: nobody is notified.</Empty>
        ) : (
          <div className="table-wrap">
            <table aria-label="Notification channels">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Destination</th>
                  <th>Events</th>
                  <th>Pipelines</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {channels.data?.items.map((c) => (
                  <tr key={c.id} data-row={c.name}>
                    <td>{c.name}</td>
                    <td>{c.kind}</td>
                    <td className="mono small">{c.destination}</td>
                    <td className="small wrap">{c.events.join(', ')}</td>
                    <td className="small">{c.pipelines.join(', ') || 'all'}</td>
                    <td>
                      <Badge value={c.enabled ? 'enabled' : 'disabled'} tone={c.enabled ? 'ok' : 'muted'} />
                    </td>
                    <td>
                      <div className="button-row">
                        <button type="button" onClick={() => test.mutate(c, { onSuccess: setTested })}>
                          Send test
                        </button>
                        <button type="button" onClick={() => toggle.mutate(c)}>
                          {c.enabled ? 'Disable' : 'Enable'}
                        </button>
                        <button type="button" className="danger" onClick={() => setRemoving(c)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      <Panel title="Recent deliveries">
        {(deliveries.data?.items.length ?? 0) === 0 ? (
          <Empty>Nothing sent yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table aria-label="Deliveries">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Channel</th>
                  <th>Event</th>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last error</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data?.items.map((d) => (
                  <tr key={d.id}>
                    <td>{fmtTime(d.createdAt)}</td>
                    <td>{d.channel}</td>
                    <td>{d.event}</td>
                    <td className="mono small">{d.runId ?? '—'}</td>
                    <td>
                      <Badge value={d.status} />
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td className="error-text small wrap">{d.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {removing ? (
        <ConfirmDialog
          title={`Delete channel ${removing.name}`}
          confirmLabel="Delete"
          tone="danger"
          busy={remove.isPending}
          error={remove.error}
          onClose={() => setRemoving(undefined)}
          onConfirm={() => remove.mutate(removing, { onSuccess: () => setRemoving(undefined) })}
        >
          <p>Nothing more is sent to {removing.destination}; its delivery log goes too.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
