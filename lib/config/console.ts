import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './index';
import { PROJECT_ROOT } from './paths';

// Settings of the web console and its sign-in sessions, read once like the rest of lib/config (kept in their own
// schema so the console can evolve without touching the main one).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, "a duration such as '30m', '12h' or '7d'")
  .transform((v) => Number(v.slice(0, -1)) * (UNIT_MS[v.slice(-1)] as number));

const ConsoleEnv = z.object({
  SESSION_TTL: duration.prefault('12h'),
  SESSION_IDLE_TIMEOUT: duration.prefault('1h'),
  CONSOLE_DIR: z.string().min(1).default(join('console', 'dist')),
  NOTIFY_LINK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export interface ConsoleConfig {
  sessions: {
    /** Absolute lifetime of a session, whatever its activity. */
    ttlMs: number;
    /** A session unused for this long is over. */
    idleMs: number;
  };
  /** The console's build output (index.html and assets/), served under /ui. */
  staticDir: string;
  /** Where links in notifications point (default: API_PUBLIC_URL); the console lives under <base>/ui. */
  linkBaseUrl?: string;
}

export function loadConsoleConfig(source: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const parsed = ConsoleEnv.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue?.path[0])} ${issue?.message ?? ''}`.trim());
  }
  const env = parsed.data;
  if (env.SESSION_IDLE_TIMEOUT > env.SESSION_TTL) {
    throw new ConfigError('Invalid configuration: SESSION_IDLE_TIMEOUT is longer than SESSION_TTL');
  }
  return {
    sessions: { ttlMs: env.SESSION_TTL, idleMs: env.SESSION_IDLE_TIMEOUT },
    staticDir: isAbsolute(env.CONSOLE_DIR) ? env.CONSOLE_DIR : join(PROJECT_ROOT, env.CONSOLE_DIR),
    linkBaseUrl: env.NOTIFY_LINK_BASE_URL,
  };
}
