// The rules MLflow applies to what a run logs (mlflow/utils/validation.py). Checking them here makes a
// bad key fail at the call that logged it, identically for the file store and the REST server.
import * as posix from 'node:path/posix';

/** MLflow's batch limits for `runs/log-batch` and the file store's `log_batch`. */
export const MLFLOW_LIMITS = {
  maxParamsTagsPerBatch: 100,
  maxMetricsPerBatch: 1000,
  maxEntitiesPerBatch: 1000,
  maxBatchRequestBytes: 1_000_000,
  maxEntityKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 5000,
  maxExperimentNameLength: 500,
} as const;

export class MlflowValidationError extends Error {
  override readonly name = 'MlflowValidationError';
}

// Python's `\w` is Unicode-aware, hence the property classes.
const VALID_KEY = /^[/\p{L}\p{N}\p{M}_.\- ]*$/u;
const VALID_RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;

export type EntityKind = 'metric' | 'param' | 'tag';

export function validateKey(kind: EntityKind, key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new MlflowValidationError(`Invalid ${kind} name: a non-empty key is required.`);
  }
  if (!VALID_KEY.test(key)) {
    throw new MlflowValidationError(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  // Keys become file paths in the file store, so they must not resolve to another name.
  const normalized = posix.normalize(key);
  if (normalized !== key || normalized === '.' || normalized.startsWith('..') || normalized.startsWith('/')) {
    throw new MlflowValidationError(
      `Invalid ${kind} name: '${key}'. Names may be treated as files and must not resolve to other names; this one resolves to '${normalized}'.`,
    );
  }
  checkLength(`${kind} key`, key, MLFLOW_LIMITS.maxEntityKeyLength);
}

export function validateParamValue(key: string, value: string): void {
  checkLength(`param '${key}' value`, value, MLFLOW_LIMITS.maxParamValueLength);
}

export function validateTagValue(key: string, value: string): void {
  checkLength(`tag '${key}' value`, value, MLFLOW_LIMITS.maxTagValueLength);
}

export function validateMetric(key: string, value: number, timestamp: number, step: number): void {
  validateKey('metric', key);
  if (typeof value !== 'number') {
    throw new MlflowValidationError(
      `Metric '${key}' must be a number (a 64-bit float), got ${typeof value}.`,
    );
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new MlflowValidationError(
      `Metric '${key}' timestamp must be a non-negative integer (ms), got ${timestamp}.`,
    );
  }
  if (!Number.isSafeInteger(step)) {
    throw new MlflowValidationError(`Metric '${key}' step must be an integer, got ${step}.`);
  }
}

export function validateRunId(runId: string): void {
  if (!VALID_RUN_ID.test(runId)) throw new MlflowValidationError(`Invalid run ID: '${runId}'.`);
}

export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new MlflowValidationError('Invalid experiment name: a non-empty name is required.');
  }
  checkLength('experiment name', name, MLFLOW_LIMITS.maxExperimentNameLength);
}

/** MLflow's `verify_artifact_path`: a relative POSIX path that stays inside the run's artifact root. */
export function validateArtifactPath(artifactPath: string | undefined): void {
  if (artifactPath === undefined || artifactPath === '') return;
  const normalized = posix.normalize(artifactPath);
  if (posix.isAbsolute(artifactPath) || normalized === '..' || normalized.startsWith('../')) {
    throw new MlflowValidationError(
      `Invalid artifact path: '${artifactPath}'. It must be a relative path inside the run's artifacts.`,
    );
  }
}

function checkLength(what: string, value: string, limit: number): void {
  if (value.length > limit) {
    throw new MlflowValidationError(
      `MLflow ${what} '${value.slice(0, 100)}...' has length ${value.length}, which exceeds the limit of ${limit}.`,
    );
  }
}
