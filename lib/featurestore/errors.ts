export type FeatureStoreErrorCode =
  | 'INVALID_DEFINITION'
  | 'VIEW_NOT_FOUND'
  | 'ENTITY_NOT_FOUND'
  | 'INVALID_TRAINING_SET'
  | 'SOURCE_ERROR'
  | 'ONLINE_STORE_ERROR';

/** A feature-store problem a person can fix; the message says what, where and how. */
export class FeatureStoreError extends Error {
  constructor(
    readonly code: FeatureStoreErrorCode,
    message: string,
    readonly details: { issues?: Array<{ path: string; message: string }>; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'FeatureStoreError';
  }
}
