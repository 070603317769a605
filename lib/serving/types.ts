import type { Slot } from '../registry';
import type { ExtraFields, InputWarning } from './signature-check';

export interface Prediction {
  /** The class label (classification) or the predicted value (regression). */
  prediction: string | number | boolean;
  /** Per-class probabilities, classification only. */
  probabilities?: Record<string, number>;
  /** Inputs outside what the model was trained on (unseen category, out-of-range number): answered, but flagged. */
  warnings?: InputWarning[];
}

export interface PredictionResult {
  model: string;
  slot: Slot;
  version: number;
  versionId: number;
  predictions: Prediction[];
}

export interface LoadedModelInfo {
  model: string;
  slot: Slot;
  version: number;
  versionId: number;
  loadedAt: string;
  modelSha256: string;
}

/**
 * The delivery layer's model cache: resolves a model's slot to its deployed version, loads and verifies the
 * artifacts (SHA-256) once, and swaps to a newly deployed version without failing requests in flight.
 */
export interface ModelServer {
  /**
   * Checks the rows against the version's signature (400 naming row and field for a missing, unknown or mistyped
   * field; warnings on the predictions for unseen categories and out-of-range numbers), then predicts.
   * `extraFields`: fields the model does not know are refused (default), warned about or accepted (entity keys);
   * `optionalFields`: may be missing although required (filled by the online store, which warns on its own).
   */
  predict(input: {
    model: string;
    slot: Slot;
    rows: Array<Record<string, unknown>>;
    extraFields?: ExtraFields;
    optionalFields?: ReadonlySet<string>;
  }): Promise<PredictionResult>;
  /** What is loaded now, per model and slot (for /metrics and /v1/deployments). */
  loaded(): LoadedModelInfo[];
  /** Re-reads the deployment of a slot now (called on a pg NOTIFY, or by tests). */
  refresh(model: string, slot: Slot): Promise<void>;
  close(): Promise<void>;
}

export class ModelNotDeployedError extends Error {
  readonly code = 'MODEL_NOT_DEPLOYED';
  constructor(model: string, slot: Slot) {
    super(
      `Model "${model}" has no version deployed in the ${slot} slot: run its pipeline and approve a version first.`,
    );
    this.name = 'ModelNotDeployedError';
  }
}

export class ArtifactIntegrityError extends Error {
  readonly code = 'ARTIFACT_INTEGRITY';
  constructor(what: string, expected: string, actual: string) {
    super(`Refusing to load ${what}: SHA-256 is ${actual}, the registry recorded ${expected} (artifact modified?)`);
    this.name = 'ArtifactIntegrityError';
  }
}

export class InvalidPredictionInputError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'InvalidPredictionInputError';
  }
}
