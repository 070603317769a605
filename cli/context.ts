import type { Command } from 'commander';
import { createApiClient, type ApiClient } from './client';
import type { Io } from './output';

export interface CliContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** How often `run` polls the run's status. */
  pollMs?: number;
  /** Set by a command whose outcome is a failure (a failed run), without an error to print. */
  exitCode: number;
}

export interface CommandApi {
  client: ApiClient;
  json: boolean;
}

/** The client and output mode for a command, from the global options (flags win over MLOPS_* variables). */
export function commandApi(ctx: CliContext, command: Command): CommandApi {
  const options = command.optsWithGlobals<{ apiUrl: string; apiKey?: string; json?: boolean }>();
  return {
    client: createApiClient({
      baseUrl: options.apiUrl,
      apiKey: options.apiKey ?? ctx.env.MLOPS_API_KEY,
      fetch: ctx.fetch,
    }),
    json: Boolean(options.json),
  };
}

/** `a.b.c=value` → { a: { b: { c: value } } }; values are JSON when they parse as JSON, else strings. */
export function parseParams(pairs: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--param "${pair}" must look like key=value (e.g. training.maxAttempts=3)`);
    const path = pair.slice(0, eq).split('.');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    let node = params;
    path.slice(0, -1).forEach((key) => {
      node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
      node = node[key] as Record<string, unknown>;
    });
    node[path[path.length - 1] as string] = value;
  }
  return params;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
