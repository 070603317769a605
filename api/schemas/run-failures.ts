import { z } from 'zod';

/** Why a run did not go further: the quality gate's verdict and the validation of its data. */

export const GateCheck = z.object({
  check: z.string().describe("'threshold:<metric>' per spec threshold, or 'beats-production'"),
  passed: z.boolean(),
  detail: z.string().describe('e.g. "r2=0.8664 (needs >= 0.95)"'),
});

export const GateView = z
  .object({
    passed: z.boolean(),
    summary: z.string().describe('Every failed check with its value and bound (or every check when it passed)'),
    checks: z.array(GateCheck),
  })
  .describe('The evaluation gate: each spec threshold and the comparison with the production model');
export type GateView = z.infer<typeof GateView>;

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const RunValidationQuery = z.object({
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('First quarantined row to return'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Quarantined rows per page'),
});

export const FailedCheck = z.object({
  id: z.string().describe("'kind' or 'kind:column', e.g. 'range:age'"),
  kind: z.string(),
  column: z.string().nullable(),
  severity: z.enum(['error', 'warn']),
  failedCount: z.number().int(),
  expected: z.unknown(),
  observed: z.unknown(),
  message: z.string(),
  samples: z.array(z.object({ line: z.number().int(), value: Cell })).describe('Failing cells with their source line'),
});

export const RunValidation = z.object({
  runId: z.string(),
  passed: z.boolean(),
  summary: z.string().describe('The verdict, volumes and every failed check (never truncated)'),
  rowsRead: z.number().int(),
  rowsAccepted: z.number().int(),
  rowsQuarantined: z.number().int(),
  checks: z.object({ total: z.number().int(), failed: z.number().int() }),
  failedChecks: z.array(FailedCheck).describe('Every failed check: dataset errors, row checks, then warnings'),
  quarantine: z.object({
    rows: z.number().int(),
    available: z.boolean().describe('false when no row was quarantined or retention removed the file'),
    offset: z.number().int(),
    samples: z.array(
      z.object({
        line: z.number().int().describe('Line of the row in the source file (1 = header of a CSV file)'),
        row: z.record(z.string(), Cell),
        reasons: z.array(z.object({ check: z.string(), message: z.string() })),
      }),
    ),
    nextOffset: z.number().int().nullable().describe('Offset of the next page; null on the last one'),
  }),
});
export type RunValidation = z.infer<typeof RunValidation>;

export const RunReportJson = z
  .string()
  .describe('The run report data as JSON (RunReportData; for a run that ended before its report step, why it stopped)');
