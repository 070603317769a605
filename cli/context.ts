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

/**
 * `name=value` pairs of declared run parameters → { name: value }. Values stay text: the API converts them to each
 * parameter's declared type (and refuses names the pipeline does not declare, suggesting the closest one).
 */
export function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new Error(
        `--param "${pair}" must look like name=value (e.g. epochs=50): \`mlops pipelines show NAME\` lists them`,
      );
    }
    params[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return params;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
