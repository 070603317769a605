import type { ErrorBody } from '../api/http/errors';

/** An API error as the CLI shows it: the API's code and message, with the HTTP status. */
export class CliApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliApiError';
  }
}

export interface RequestOptions {
  body?: unknown;
  /** A body sent as it is (a file upload, streamed), with its own Content-Type header. */
  rawBody?: ReadableStream<Uint8Array>;
  /** An array value repeats the key (`metric=a&metric=b`). */
  query?: Record<string, string | number | string[] | undefined>;
  headers?: Record<string, string>;
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
}

/** A thin fetch wrapper: JSON in and out, the key in the Authorization header, API errors as CliApiError. */
export function createApiClient(settings: { baseUrl: string; apiKey?: string; fetch?: typeof fetch }): ApiClient {
  const doFetch = settings.fetch ?? fetch;
  const baseUrl = settings.baseUrl.replace(/\/+$/, '');
  return {
    baseUrl,
    async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
      const url = new URL(`${baseUrl}${path}`);
      for (const [key, value] of Object.entries(options.query ?? {})) {
        if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
        else if (value !== undefined) url.searchParams.set(key, String(value));
      }
      const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
      if (settings.apiKey) headers.Authorization = `Bearer ${settings.apiKey}`;
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers,
          body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
          ...(options.rawBody ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        throw new CliApiError(
          0,
          'UNREACHABLE',
          `Cannot reach the API at ${baseUrl} (${(err as Error).message}): is it running? Set --api-url or MLOPS_API_URL.`,
        );
      }
      const text = await response.text();
      const json = text ? (JSON.parse(text) as unknown) : undefined;
      if (!response.ok) {
        const error = (json ?? {}) as Partial<ErrorBody>;
        throw new CliApiError(
          response.status,
          error.error ?? `HTTP_${response.status}`,
          error.message ?? response.statusText,
          error.details,
        );
      }
      return json as T;
    },
  };
}
