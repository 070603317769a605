/**
 * Errors raised by lib/ml. Every one is permanent for the given input (retrying cannot help), so callers such as
 * Temporal activities can map `instanceof MlError` to a non-retryable failure and surface `code` and `details`.
 */
export type DataErrorCode =
  | 'EMPTY_FILE'
  | 'HEADER_ONLY'
  | 'RAGGED_ROW'
  | 'MALFORMED_CSV'
  | 'INVALID_JSON'
  | 'INVALID_UTF8'
  | 'RECORD_TOO_LARGE'
  | 'DUPLICATE_COLUMN'
  | 'EMPTY_COLUMN_NAME'
  | 'LABEL_MISSING'
  | 'LABEL_INVALID'
  | 'COLUMN_MISSING'
  | 'COLUMN_TYPE'
  | 'NOT_ENOUGH_DATA'
  | 'NUL_BYTE'
  | 'TOO_MANY_COLUMNS'
  | 'SOURCE_REFUSED'
  | 'SOURCE_QUERY_FAILED'
  | 'INVALID_FORMAT'
  | 'INVALID_EXPRESSION';

export type ModelErrorCode =
  | 'BACKEND_UNAVAILABLE'
  | 'CHECKPOINT_MISMATCH'
  | 'INVALID_ARTIFACT'
  | 'INVALID_INPUT'
  | 'OVER_MEMORY_BUDGET'
  | 'TRAINING_ABORTED';

export interface ErrorDetails {
  line?: number;
  column?: string;
  byteOffset?: number;
  [key: string]: unknown;
}

export class MlError extends Error {
  readonly code: DataErrorCode | ModelErrorCode;
  readonly details: ErrorDetails;

  constructor(args: { code: DataErrorCode | ModelErrorCode; message: string; details?: ErrorDetails }) {
    super(args.message);
    this.name = 'MlError';
    this.code = args.code;
    this.details = args.details ?? {};
  }
}

/** Malformed or unusable input data. The message says what is wrong, where, and how to fix it. */
export class DataError extends MlError {
  declare readonly code: DataErrorCode;

  constructor(args: { code: DataErrorCode; message: string; details?: ErrorDetails }) {
    super(args);
    this.name = 'DataError';
  }
}
