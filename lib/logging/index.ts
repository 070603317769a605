import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  name: string;
  level?: string;
  /** Human-readable output (the demo); JSON lines everywhere else. */
  pretty?: boolean;
}

// Never log these, wherever they appear in a logged object.
const REDACT = [
  'password',
  'secret',
  'secretKey',
  'apiKey',
  'authorization',
  'token',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.apiKey',
  '*.authorization',
  '*.token',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export function createLogger({
  name,
  level = process.env.LOG_LEVEL ?? 'info',
  pretty = false,
}: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid, service: name },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino(options);
}
