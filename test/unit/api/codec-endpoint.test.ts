import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import request from 'supertest';
import { AesGcmPayloadCodec, payloadFromJson, payloadToJson } from '../../../infra/codec';
import { auth, unitApp } from './fakes';

describe('codec server endpoints', () => {
  const key = randomBytes(32);
  const codec = new AesGcmPayloadCodec({ activeKeyId: 'k1', keyMaterial: (id) => (id === 'k1' ? key : undefined) });
  const { app } = unitApp({ codec });
  const plain = defaultPayloadConverter.toPayload({ runId: 'r1', params: { marker: 'plain-marker' } });

  it('encodes and decodes for an operator; what it encodes holds no plaintext', async () => {
    const encoded = await request(app)
      .post('/codec/encode')
      .set(auth('operator'))
      .send({ payloads: [payloadToJson(plain)] });
    expect(encoded.status).toBe(200);
    expect(JSON.stringify(encoded.body)).not.toContain(Buffer.from('plain-marker').toString('base64'));
    const decoded = await request(app).post('/codec/decode').set(auth('operator')).send(encoded.body);
    expect(decoded.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(decoded.body.payloads[0]))).toEqual({
      runId: 'r1',
      params: { marker: 'plain-marker' },
    });
  });

  it('refuses anonymous callers (401) and viewers (403)', async () => {
    const [encrypted] = await codec.encode([plain]);
    const body = { payloads: [payloadToJson(encrypted as typeof plain)] };
    expect((await request(app).post('/codec/decode').send(body)).status).toBe(401);
    const viewer = await request(app).post('/codec/decode').set(auth('viewer')).send(body);
    expect(viewer.status).toBe(403);
    expect(JSON.stringify(viewer.body)).not.toContain('plain-marker');
  });

  it('answers a payload it cannot decrypt with 400 and a malformed body with field paths', async () => {
    const other = new AesGcmPayloadCodec({ activeKeyId: 'k9', keyMaterial: () => randomBytes(32) });
    const [foreign] = await other.encode([plain]);
    const res = await request(app)
      .post('/codec/decode')
      .set(auth('operator'))
      .send({ payloads: [payloadToJson(foreign as typeof plain)] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('CODEC_FAILED');
    const malformed = await request(app).post('/codec/decode').set(auth('operator')).send({ payloads: 'nope' });
    expect(malformed.body.details.issues[0].path).toBe('body.payloads');
  });

  it('answers the Temporal UI preflight with CORS headers for its origin only', async () => {
    const preflight = await request(app)
      .options('/codec/decode')
      .set('Origin', 'http://ui.test')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,authorization,x-namespace');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://ui.test');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toContain('X-Namespace');
    const stranger = await request(app)
      .options('/codec/decode')
      .set('Origin', 'http://evil.test')
      .set('Access-Control-Request-Method', 'POST');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 CODEC_NOT_CONFIGURED when encryption is off', async () => {
    const { app: plainApp } = unitApp();
    const res = await request(plainApp).post('/codec/decode').set(auth('operator')).send({ payloads: [] });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('CODEC_NOT_CONFIGURED');
  });
});
