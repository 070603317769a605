import request from 'supertest';
import { predictBody, predictBodyFast } from '../../../api/schemas/predict';
import { auth, unitApp } from './fakes';

// The predict route recognises the usual body without zod (api/schemas/predict.ts). It must never accept what the
// schema refuses, and what it accepts must be what the schema would have given the handler.
describe('predictBodyFast', () => {
  const fast = predictBodyFast(5);
  const schema = predictBody(5);
  const parse = (text: string): unknown => JSON.parse(text);

  it.each([
    '{"rows":[{"x":1}]}',
    '{"rows":[{"x":1,"colour":"red","when":null},{"x":-1,"nested":{"a":[1,2]}}]}',
    '{"rows":[{}]}',
  ])('accepts %s as the schema does, with the same value', (text) => {
    const body = parse(text);
    expect(fast(body)).toEqual(schema.parse(parse(text)));
  });

  it.each([
    '{"rows":[]}',
    '{"rows":[1]}',
    '{"rows":[[1]]}',
    '{"rows":[null]}',
    '{"rows":"x"}',
    '{"rows":[{"x":1}],"extra":true}',
    '{}',
    '[]',
    'null',
    '{"rows":[{"x":1},{"x":1},{"x":1},{"x":1},{"x":1},{"x":1}]}',
    '{"rows":[{"__proto__":{"x":1}}]}',
    '{"__proto__":{"rows":[{"x":1}]}}',
  ])('leaves %s to the schema', (text) => {
    expect(fast(parse(text))).toBeUndefined();
  });

  it('never accepts a body the schema refuses', () => {
    for (const text of ['{"rows":[]}', '{"rows":[1]}', '{"rows":[{"x":1},{"x":1},{"x":1},{"x":1},{"x":1},{"x":1}]}']) {
      expect(schema.safeParse(parse(text)).success).toBe(false);
      expect(fast(parse(text))).toBeUndefined();
    }
  });
});

describe('predict answers', () => {
  const { app } = unitApp();

  it('are JSON without an ETag (a POST answer is never revalidated)', async () => {
    const res = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toBeUndefined();
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(res.body)));
  });

  it('still carry an extra top-level key through the schema (stripped) and refuse bad rows with its 400', async () => {
    const extra = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [{ x: 1 }], note: 'ignored' });
    expect(extra.status).toBe(200);
    const bad = await request(app)
      .post('/v1/predict/iris')
      .set(auth('operator'))
      .send({ rows: [1] });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].path).toBe('body.rows[0]');
  });
});
