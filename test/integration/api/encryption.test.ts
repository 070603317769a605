import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import request from 'supertest';
import { applyVariant } from '../../helpers/specs';
import { ENCRYPTED_ENCODING, payloadToJson } from '../../../infra/codec';
import { eventually, startApiHarness, type ApiHarness } from './harness';

type Tree = { [key: string]: unknown };

/** Every payload in a history, except search attributes (Temporal indexes those, so codecs never see them). */
function payloadsIn(node: unknown, out: Payload[] = [], key = ''): Payload[] {
  if (key === 'searchAttributes' || node === null || typeof node !== 'object') return out;
  if (node instanceof Uint8Array) return out;
  const tree = node as Tree;
  // The SDK core writes its own marker fields outside the payload codec: a patch's name (patched()) and a local
  // activity's bookkeeping (type, sequence, time). Its result goes through the codec like every other payload.
  if (key === 'patch-data' || (key === 'data' && Array.isArray((tree as { payloads?: unknown }).payloads))) return out;
  if (tree.metadata && typeof tree.metadata === 'object' && 'data' in tree) {
    out.push(tree as Payload);
    return out;
  }
  for (const [k, v] of Object.entries(tree)) payloadsIn(v, out, k);
  return out;
}

const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('payload encryption end to end', () => {
  let h: ApiHarness;
  const marker = `confidential-${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    const keys = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
    h = await startApiHarness({ env: { PAYLOAD_ENCRYPTION_KEYS: keys } });
    // A string parameter, so that a confidential value travels in the run's input.
    await applyVariant(h.database.db, 'churn', {
      parameters: [{ name: 'note', type: 'string', description: 'free text', paths: ['description'] }],
    });
  });
  afterAll(() => h?.stop());

  it('keeps only ciphertext in the workflow history, and decrypts it for authorised codec callers only', async () => {
    const started = await request(h.app)
      .post('/v1/pipelines/churn/runs')
      .set(h.auth('operator'))
      .send({ params: { note: marker } });
    expect(started.status).toBe(201);
    const { runId } = started.body as { runId: string };
    // The worker decrypts its input and encrypts what it records: the run gets as far as approval.
    await eventually(
      async () => {
        const res = await request(h.app).get(`/v1/runs/${runId}`).set(h.auth('viewer'));
        return res.body.status === 'waiting_approval';
      },
      30_000,
      'the encrypted run to wait for approval',
    );

    const history = await h.client.workflow.getHandle(runId).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(10);
    for (const payload of payloads) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.['encryption-key-id'])).toBe('k2');
      expect(Buffer.from(payload.data ?? []).includes(marker)).toBe(false);
    }
    expect(JSON.stringify(history)).not.toContain(marker);

    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
    const body = { payloads: [payloadToJson(input)] };
    const decoded = await request(h.app)
      .post('/codec/decode')
      .set(h.auth('operator'))
      .set('X-Namespace', h.config.temporal.namespace)
      .send(body);
    expect(decoded.status).toBe(200);
    const plain = Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8');
    expect(JSON.parse(plain)).toMatchObject({ pipeline: 'churn', params: { note: marker } });

    const viewer = await request(h.app).post('/codec/decode').set(h.auth('viewer')).send(body);
    expect(viewer.status).toBe(403);
    expect(JSON.stringify(viewer.body)).not.toContain(marker);
    const anonymous = await request(h.app).post('/codec/decode').send(body);
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toContain(marker);
  });
});
