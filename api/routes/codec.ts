import { z } from 'zod';
import { payloadFromJson, payloadToJson, type JsonPayload } from '../../infra/codec';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';

// The Temporal UI's remote codec protocol: POST {endpoint}/decode and /encode with {"payloads":[...]} where
// metadata values and data are base64 (proto3 JSON). Decrypted payloads show workflow inputs and results, so
// they are for operators and above: viewers keep the summaries the API itself serves.
const CODEC_ACCESS = { role: 'operator' } as const;

const Payloads = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(10_000),
});

function codecRoute(deps: ApiDeps, direction: 'decode' | 'encode') {
  return defineRoute({
    operationId: `${direction}Payloads`,
    method: 'post',
    path: `/codec/${direction}`,
    summary:
      direction === 'decode'
        ? 'Decrypt payloads for the Temporal UI (codec server)'
        : 'Encrypt payloads (codec server)',
    description:
      'Point the Temporal UI codec endpoint at <API>/codec with "pass access token" on. CORS: CODEC_CORS_ORIGINS.',
    tags: ['codec'],
    access: CODEC_ACCESS,
    request: { body: Payloads },
    responses: { 200: Payloads },
    errors: [400, 401, 403, 404],
    async handle({ body }) {
      if (!deps.codec) {
        throw new ApiError(
          404,
          'CODEC_NOT_CONFIGURED',
          'Payload encryption is off (PAYLOAD_ENCRYPTION_KEYS is not set): there is nothing to decode.',
        );
      }
      const payloads = body.payloads.map((p) => payloadFromJson(p as JsonPayload));
      let result;
      try {
        result = direction === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
      } catch (err) {
        throw new ApiError(400, 'CODEC_FAILED', `Could not ${direction} the payloads: ${(err as Error).message}`);
      }
      return { status: 200, body: { payloads: result.map(payloadToJson) } };
    },
  });
}

export function codecRoutes(deps: ApiDeps) {
  return [codecRoute(deps, 'decode'), codecRoute(deps, 'encode')];
}
