import type { LogBatch } from './types';
import { MLFLOW_LIMITS } from './validation';

/** Leaves room under the server's 1 MB request limit for the JSON envelope and escaping. */
const MAX_CHUNK_BYTES = MLFLOW_LIMITS.maxBatchRequestBytes * 0.9;

/**
 * Splits a batch into requests within MLflow's `log-batch` limits: at most 100 params, 100 tags and
 * 1000 metrics, 1000 entities in all, and under 1 MB of JSON. Order within each kind is kept.
 */
export function splitBatch(batch: LogBatch): LogBatch[] {
  const chunks: LogBatch[] = [];
  let current: LogBatch = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  const flush = () => {
    if (current.metrics.length + current.params.length + current.tags.length > 0) chunks.push(current);
    current = { metrics: [], params: [], tags: [] };
    bytes = 0;
  };
  const add = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number], limit: number) => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const total = current.metrics.length + current.params.length + current.tags.length;
    if (
      current[kind].length >= limit ||
      total >= MLFLOW_LIMITS.maxEntitiesPerBatch ||
      bytes + size > MAX_CHUNK_BYTES
    ) {
      flush();
    }
    (current[kind] as LogBatch[K][number][]).push(item);
    bytes += size;
  };
  for (const param of batch.params) add('params', param, MLFLOW_LIMITS.maxParamsTagsPerBatch);
  for (const tag of batch.tags) add('tags', tag, MLFLOW_LIMITS.maxParamsTagsPerBatch);
  for (const metric of batch.metrics) add('metrics', metric, MLFLOW_LIMITS.maxMetricsPerBatch);
  flush();
  return chunks;
}
