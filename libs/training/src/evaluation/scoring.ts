import { readFile } from 'node:fs/promises';
import { DEFAULT_RESIZE_MODE, preprocessImage } from '@maskd/imaging';
import { MASK_MODEL_CONTRACT, type MaskClassifier } from '@maskd/inference';
import type { DatasetEntry } from '../data/prepared-dataset';

export interface ScoringOptions {
  /** Images per forward pass (default 32). */
  batchSize?: number;
  /** Items prepared (decoded, cropped, resized) concurrently; sharp works on libuv's thread pool (default 4). */
  parallel?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores every model input that `prepare` makes from each item, in batches of `batchSize`, holding at most
 * about `batchSize + parallel` items' inputs in memory. Returns the scores per item, in the order `prepare`
 * returned its inputs. An item whose `prepare` throws fails the whole run: callers filter unusable items first
 * or catch inside `prepare` and return no inputs.
 */
export async function scoreItems<T>(
  items: readonly T[],
  prepare: (item: T) => Promise<Float32Array[]>,
  classifier: MaskClassifier,
  options: ScoringOptions = {},
): Promise<number[][]> {
  const batchSize = options.batchSize ?? 32;
  const parallel = options.parallel ?? 4;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const results: number[][] = items.map(() => []);
  let pending: { item: number; input: Float32Array }[] = [];
  let done = 0;

  const flush = async (all: boolean) => {
    while (pending.length >= batchSize || (all && pending.length > 0)) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      const scores = await classifier.predict(batch.map((entry) => entry.input));
      if (scores.length !== batch.length) {
        throw new Error(`The model returned ${scores.length} scores for ${batch.length} inputs`);
      }
      batch.forEach((entry, index) => results[entry.item].push(scores[index]));
    }
  };

  for (let start = 0; start < items.length; start += parallel) {
    const indices = Array.from({ length: Math.min(parallel, items.length - start) }, (_, i) => start + i);
    const prepared = await Promise.all(indices.map((index) => prepare(items[index])));
    indices.forEach((item, i) => prepared[i].forEach((input) => pending.push({ item, input })));
    await flush(false);
    done += indices.length;
    options.onProgress?.(done, items.length);
  }
  await flush(true);
  return results;
}

/** P(class 1) of each prepared-dataset image, read and preprocessed whole as the model contract says. */
export async function scoreDatasetEntries(
  entries: readonly DatasetEntry[],
  classifier: MaskClassifier,
  options: ScoringOptions = {},
): Promise<number[]> {
  const preprocess = { size: MASK_MODEL_CONTRACT.inputSize, resize: DEFAULT_RESIZE_MODE };
  const scores = await scoreItems(
    entries,
    async (entry) => [(await preprocessImage(await readFile(entry.absolutePath), preprocess)).input],
    classifier,
    options,
  );
  return scores.map((s) => s[0]);
}
