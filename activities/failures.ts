import { ApplicationFailure } from '@temporalio/activity';
import { MlError } from '../lib/ml/errors';
import { SpecError } from '../lib/pipeline/load';
import { ParameterError } from '../lib/pipeline/parameters';
import { RegistryError } from '../lib/registry';

/**
 * Errors that retrying cannot fix become non-retryable ApplicationFailures with a type the workflow and the
 * API understand; anything else (network, database, S3 blips) is rethrown unchanged so Temporal retries it.
 */
export function asPermanentFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MlError) {
    return ApplicationFailure.create({
      type: err.name === 'DataError' ? 'DataError' : 'ModelError',
      message: err.message,
      nonRetryable: true,
      details: [{ code: err.code, ...err.details }],
    });
  }
  if (err instanceof SpecError || err instanceof ParameterError) {
    return ApplicationFailure.create({
      type: 'SpecError',
      message: err.message,
      nonRetryable: true,
      details: [err instanceof SpecError ? err.details : { issues: err.issues }],
    });
  }
  if (err instanceof RegistryError) {
    return ApplicationFailure.create({
      type: 'RegistryError',
      message: err.message,
      nonRetryable: true,
      details: [{ code: err.code }],
    });
  }
  return err;
}

export async function permanentFailuresAsNonRetryable<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asPermanentFailure(err);
  }
}

export function dataError(message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: 'DataError', message, nonRetryable: true, details: [details] });
}
