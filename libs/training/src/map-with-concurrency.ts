/**
 * Maps `items` with at most `limit` calls of `fn` in flight (at least one), results in input order. The first
 * rejection rejects the whole map; items not yet started then are not started. `onProgress` sees each
 * completion.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onProgress?: (done: number, total: number) => void,
): Promise<R[]> {
  if (Number.isNaN(limit)) throw new RangeError('The concurrency limit must be a number, got NaN');
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
      onProgress?.(++done, items.length);
    }
  };
  const workers = Math.min(items.length, Math.max(1, Math.floor(limit)));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
