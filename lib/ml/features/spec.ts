import { z } from 'zod';

export const TaskSchema = z.enum(['classification', 'regression']);
export type Task = z.infer<typeof TaskSchema>;

export const DATETIME_PARTS = ['year', 'month', 'day', 'dayOfWeek', 'hour'] as const;
export type DatetimePart = (typeof DATETIME_PARTS)[number];

const NumericImputeSchema = z.union([
  z.strictObject({ strategy: z.enum(['mean', 'median', 'mode']) }),
  z.strictObject({ strategy: z.literal('constant'), value: z.number() }),
]);
const CategoricalImputeSchema = z.union([
  z.strictObject({ strategy: z.literal('mode') }),
  z.strictObject({ strategy: z.literal('constant'), value: z.union([z.string(), z.number(), z.boolean()]) }),
]);
export type NumericImpute = z.infer<typeof NumericImputeSchema>;
export type CategoricalImpute = z.infer<typeof CategoricalImputeSchema>;

/** The input column the transform reads. */
const column = z.string().min(1);
/** Missing (and non-finite) numbers are imputed; the default is the training mean. */
const numericImpute = NumericImputeSchema.default({ strategy: 'mean' });

export const FeatureTransformSchema = z.discriminatedUnion('transform', [
  /** Chosen from the column type at fit time: numbers → standardize, boolean → passthrough, categorical → onehot, datetime → datetime. */
  z.strictObject({ column, transform: z.literal('auto') }),
  z.strictObject({ column, transform: z.literal('standardize'), impute: numericImpute }),
  z.strictObject({ column, transform: z.literal('minmax'), impute: numericImpute }),
  z.strictObject({ column, transform: z.literal('passthrough'), impute: numericImpute }),
  z.strictObject({
    column,
    transform: z.literal('bucketize'),
    /** Ascending cut points; when absent, `buckets` equal-frequency buckets are fitted on the training split. */
    boundaries: z.array(z.number()).min(1).optional(),
    buckets: z.number().int().min(2).max(100).default(4),
    impute: numericImpute,
  }),
  z.strictObject({
    column,
    transform: z.literal('onehot'),
    maxCategories: z.number().int().min(1).max(1000).default(50),
    minFrequency: z.number().int().min(1).default(1),
    /** Default: missing values go to the unknown bucket, like unseen categories. */
    impute: CategoricalImputeSchema.optional(),
  }),
  z.strictObject({
    column,
    /**
     * An entity embedding: the column becomes one category index (unseen and missing values share an unknown
     * index), and the dense kinds learn a vector of `dimension` numbers per category. Other kinds read the index.
     */
    transform: z.literal('embedding'),
    /** Length of each category's vector; default min(50, round(1.6 × categories^0.56)). */
    dimension: z.number().int().min(1).max(512).optional(),
    /** The most frequent categories kept (the rest share the unknown index). */
    maxCategories: z.number().int().min(1).max(100_000).default(10_000),
    /** Categories seen fewer times than this in training rows share the unknown index. */
    minFrequency: z.number().int().min(1).default(1),
    /** Default: missing values go to the unknown index, like unseen categories. */
    impute: CategoricalImputeSchema.optional(),
  }),
  z.strictObject({
    column,
    transform: z.literal('datetime'),
    parts: z
      .array(z.enum(DATETIME_PARTS))
      .min(1)
      .default([...DATETIME_PARTS]),
    impute: numericImpute,
  }),
]);
export type FeatureTransform = z.infer<typeof FeatureTransformSchema>;

export const FeatureSpecSchema = z.strictObject({
  task: TaskSchema,
  /** The column to predict. */
  label: z.string().min(1),
  /** A bare column name means `{ column, transform: auto }`. */
  features: z
    .array(
      z.union([column.transform((name) => ({ column: name, transform: 'auto' as const })), FeatureTransformSchema]),
    )
    .min(1),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;
export type FeatureSpecInput = z.input<typeof FeatureSpecSchema>;
