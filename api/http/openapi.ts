import { z } from 'zod';
import { ErrorBody } from './errors';
import type { RouteDef } from './route';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (details.issues names each field)',
  401: 'Missing or invalid credentials',
  403: 'The caller lacks the required role',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  415: 'The body is not JSON (send Content-Type: application/json)',
  422: 'The request is well-formed but cannot be processed (details say why)',
  429: 'Rate limit exceeded (or too many failed authentications from this client)',
  503: 'A dependency (Temporal, PostgreSQL, S3 or the model) is unavailable',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });
  return rest as JsonSchema;
}

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(route: RouteDef): JsonSchema[] {
  const out: JsonSchema[] = [];
  const locations = [
    ['path', route.request.params],
    ['query', route.request.query],
    ['header', route.request.headers],
  ] as const;
  for (const [location, schema] of locations) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      out.push({
        name,
        in: location,
        required: location === 'path' || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: propertySchema,
      });
    }
  }
  return out;
}

function responses(route: RouteDef): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    if (schema === undefined) continue;
    const mediaType = route.contentType ?? 'application/json';
    out[status] = schema
      ? {
          description: schema.description ?? 'Success',
          content: { [mediaType]: { schema: jsonSchema(schema, 'output') } },
        }
      : { description: 'Success, no body' };
  }
  const automatic = [...(route.request.body ? [415] : []), ...(route.access !== 'public' ? [429] : [])].filter(
    (status) => !route.errors.includes(status as never),
  );
  for (const status of [...route.errors, ...automatic, 500].sort((a, b) => a - b)) {
    out[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Internal error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

/** The OpenAPI 3.1 document of the given routes, generated from their zod schemas. */
export function buildOpenApiDocument(routes: RouteDef[], info: { title: string; version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const secured = route.access !== 'public';
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      parameters: parameters(route),
      ...(route.request.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.request.body, 'input') } },
            },
          }
        : {}),
      responses: responses(route),
      security: secured ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
      ...(secured && route.access !== 'public'
        ? { 'x-required-role': route.access.role, 'x-also-allowed-roles': route.access.alsoAllow ?? [] }
        : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (mlk_...) or a JWT from the identity provider',
        },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
