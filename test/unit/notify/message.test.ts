import { buildNotification, consoleLinks } from '../../../lib/notify/message';
import { emailBodies } from '../../../lib/notify/channels/email';
import { escapeMrkdwn, slackPayload } from '../../../lib/notify/channels/slack';
import { webhookSignature } from '../../../lib/notify/channels/webhook';

const BASE = 'https://mlops.example.test/';

describe('notification messages', () => {
  it('links into the console with encoded ids, from the configured base only', () => {
    expect(consoleLinks(BASE, { event: 'run_failed', runId: 'a b/../c' })).toEqual({
      console: 'https://mlops.example.test/ui/runs/a%20b%2F..%2Fc',
    });
    expect(consoleLinks(BASE, { event: 'approval_pending', runId: 'r1' })).toEqual({
      console: 'https://mlops.example.test/ui/runs/r1',
      approvals: 'https://mlops.example.test/ui/approvals',
    });
    expect(consoleLinks(BASE, { event: 'alert_raised', model: 'churn-classifier' })).toEqual({
      console: 'https://mlops.example.test/ui/monitoring?model=churn-classifier',
      model: 'https://mlops.example.test/ui/models/churn-classifier',
    });
  });

  it('titles each event and turns details into labelled fields (long values clipped)', () => {
    const n = buildNotification(
      {
        event: 'approval_decided',
        runId: 'r1',
        pipeline: 'churn',
        model: 'churn-classifier',
        version: 3,
        details: { decision: 'rejected', by: 'alice', reason: 'x'.repeat(600), ignored: null },
      },
      { id: 'id1', linkBaseUrl: BASE, now: new Date('2030-01-01T00:00:00Z') },
    );
    expect(n.title).toBe('churn-classifier v3 rejected by alice');
    expect(n.fields.map((f) => f.label)).toEqual(['Pipeline', 'Run', 'Model', 'Decision', 'By', 'Reason']);
    expect(n.fields.at(-1)?.value).toHaveLength(500);
    expect(n.at).toBe('2030-01-01T00:00:00.000Z');
    expect(
      buildNotification(
        { event: 'run_failed', runId: 'r2', details: { step: 'validate', error: 'bad rows' } },
        {
          id: 'x',
          linkBaseUrl: BASE,
        },
      ).text,
    ).toBe('The run stopped at validate: bad rows');
  });

  it('escapes text from runs in Slack mrkdwn and in e-mail HTML, so it cannot become a link or markup', () => {
    expect(escapeMrkdwn('<https://evil|click> & <!channel>')).toBe('&lt;https://evil|click&gt; &amp; &lt;!channel&gt;');
    const n = buildNotification(
      { event: 'run_failed', runId: 'r3', details: { error: '<script>alert(1)</script> <!here>' } },
      { id: 'x', linkBaseUrl: BASE },
    );
    const slack = JSON.stringify(slackPayload(n));
    expect(slack).not.toContain('<!here>');
    expect(slack).toContain('&lt;!here&gt;');
    const { html, text } = emailBodies(n);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(text).toContain('Open in the console: https://mlops.example.test/ui/runs/r3');
  });

  it('signs webhook bodies with the timestamp (known answer from openssl dgst -hmac)', () => {
    expect(webhookSignature('secret-secret-secret', '1700000000', '{"a":1}')).toBe(
      'sha256=fa345d5b654e6667128855e14a4938c54b5b813699e6b72c5c4f501aa493ba92',
    );
  });
});
