import { z } from 'zod';
import { ModelName } from './common';
import { PredictFeatureFields } from './features';

export const PredictParams = z.object({ model: ModelName });
export const PredictQuery = z.object({
  env: z.enum(['production', 'staging']).default('production').describe('The deployment slot to predict with'),
  unknownFields: z
    .enum(['reject', 'ignore'])
    .default('reject')
    .describe(
      'A field that is not an input of the model: reject (400, the default) or ignore it with an IGNORED_FIELD warning on the row (scoring a file with id columns)',
    ),
});

export function predictBody(maxRows: number) {
  return z.object({
    rows: z
      .array(z.record(z.string(), z.unknown()))
      .min(1, 'at least one row')
      .max(maxRows, `at most ${maxRows} rows per request (PREDICT_MAX_ROWS): split the batch`)
      .describe('Input rows: raw feature values by column name, as in the training data'),
  });
}

/**
 * The usual predict body recognised without zod: exactly `{ rows: [...] }`, 1 to maxRows plain JSON objects (the
 * values are checked against the model's signature after). Anything else (a missing or extra key, a row that is not
 * an object, a `__proto__` key) goes through predictBody, with its 400s.
 */
export function predictBodyFast(maxRows: number) {
  return (body: unknown): { rows: Array<Record<string, unknown>> } | undefined => {
    if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return undefined;
    let keys = 0;
    for (const key in body) if (key !== 'rows' || ++keys > 1) return undefined;
    const rows = (body as { rows?: unknown }).rows;
    if (!Array.isArray(rows) || rows.length < 1 || rows.length > maxRows) return undefined;
    for (const row of rows as unknown[]) {
      if (typeof row !== 'object' || row === null || Object.getPrototypeOf(row) !== Object.prototype) return undefined;
      if (Object.hasOwn(row, '__proto__')) return undefined;
    }
    return body as { rows: Array<Record<string, unknown>> };
  };
}

export const PredictionView = z.object({
  prediction: z
    .union([z.string(), z.number(), z.boolean()])
    .describe('The class (a boolean for a true/false label) or the value'),
  probabilities: z.record(z.string(), z.number()).optional(),
  warnings: z
    .array(
      z.object({
        field: z.string(),
        code: z.enum(['UNSEEN_CATEGORY', 'OUT_OF_RANGE', 'IGNORED_FIELD']),
        message: z.string(),
      }),
    )
    .optional()
    .describe("This row's inputs outside the training data: the prediction is given but less trustworthy"),
});

export const PredictHeaders = z.object({
  'x-caller-key': z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe(
      'Identifies the end user or caller for canary routing: the same key always gets the same arm (sticky); without it a request is routed at random',
    ),
});

export const PredictResponse = z.object({
  model: z.string(),
  slot: z.enum(['production', 'staging']),
  version: z.number().int(),
  requestId: z.string().describe('Send it back with POST /v1/feedback to record ground truth'),
  logged: z.boolean().describe('Whether this request was sampled into the prediction log'),
  predictions: z.array(PredictionView),
  arm: z
    .enum(['production', 'canary'])
    .optional()
    .describe('During a canary rollout: which arm answered (the canary answers with its own version)'),
  ...PredictFeatureFields,
});
export type PredictResponse = z.infer<typeof PredictResponse>;

export const FeedbackBody = z.object({
  items: z
    .array(
      z.object({
        requestId: z.uuid(),
        rowIndex: z
          .number()
          .int()
          .min(0)
          .max(99_999)
          .default(0)
          .describe('Index of the row in the prediction request (requests carry at most 100,000 rows)'),
        label: z.union([z.string().min(1), z.number()]).describe('The true class label or target value'),
      }),
    )
    .min(1)
    .max(1000),
});
export const FeedbackResponse = z.object({ recorded: z.number().int() });
