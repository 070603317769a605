import { CHANNEL_KIND_NAMES, channelKind, type ChannelKindName } from '../../../lib/notify';

/** One example configuration per kind, holding a secret in every secret field: a new kind must add one here. */
const EXAMPLES: Record<ChannelKindName, Record<string, unknown>> = {
  webhook: {
    url: 'https://hooks.example.test/mlops?token=SECRET-IN-QUERY',
    secret: 'SECRET-signing-key-123',
    headers: { Authorization: 'Bearer SECRET-header' },
  },
  slack: { url: 'https://hooks.slack.example.test/services/T0/B0/SECRET-path' },
  email: {
    host: 'smtp.example.test',
    user: 'mlops',
    password: 'SECRET-password',
    from: 'mlops@example.test',
    to: ['ops@example.test'],
  },
};

describe.each(CHANNEL_KIND_NAMES)('notification channel kind %s', (name) => {
  const kind = channelKind(name);
  const example = EXAMPLES[name];

  it('has an example, which its schema accepts', () => {
    expect(example).toBeDefined();
    expect(kind.config.safeParse(example).success).toBe(true);
  });

  it('never shows a secret in what the API returns or logs', () => {
    const config = kind.config.parse(example);
    const shown = JSON.stringify({ redacted: kind.redact(config), destination: kind.destination(config) });
    expect(shown).not.toMatch(/SECRET/);
    for (const field of kind.secretFields) expect(Object.keys(example)).toContain(field);
  });

  it('refuses unknown fields (a typo must not silently drop a setting)', () => {
    expect(kind.config.safeParse({ ...example, unexpected: true }).success).toBe(false);
  });
});
