import { z } from 'zod';

export const Timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
export const NullableTimestamp = Timestamp.nullable();

export const PipelineName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter')
  .describe('Pipeline name (the file name of its spec in pipelines/)');

export const ModelName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter')
  .describe('Registry model name');

export const Identifier = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/,
    'letters, digits and . _ : - (max 200), starting with a letter or digit',
  );

/** Durations as Temporal reads them: '90s', '15m', '24h', '7d'. */
export const Duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, "a duration such as '30s', '15m', '24h' or '7d'")
  .describe("Duration such as '30s', '15m', '24h' or '7d'");

export const Reason = z.string().trim().min(1, 'a reason is required for the audit trail').max(2000);

export const Links = z.record(z.string(), z.string()).describe('Related resources (API paths and Temporal UI URLs)');

/** Dates from the database as ISO strings; null stays null. */
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoRequired(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
