import type { MaskClassifier } from '@maskd/inference';
import { scoreItems } from './scoring';

/** Scores each input by its first value, and records the batch sizes it was given. */
function echoClassifier(): MaskClassifier & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    predict: async (inputs) => {
      batches.push(inputs.length);
      return inputs.map((input) => input[0]);
    },
    close: async () => undefined,
  };
}

const input = (value: number) => Float32Array.of(value);

describe('scoreItems', () => {
  it('returns each item its scores in order, whatever the batch boundaries', async () => {
    // Item i yields i inputs valued i*10 + k.
    const items = [0, 1, 2, 3, 4, 5, 6];
    const classifier = echoClassifier();
    const progress: number[] = [];
    const scores = await scoreItems(
      items,
      async (i) => Array.from({ length: i }, (_, k) => input(i * 10 + k)),
      classifier,
      { batchSize: 4, parallel: 3, onProgress: (done) => progress.push(done) },
    );
    expect(scores).toEqual(items.map((i) => Array.from({ length: i }, (_, k) => i * 10 + k)));
    expect(classifier.batches.every((size) => size <= 4)).toBe(true);
    expect(classifier.batches.reduce((a, b) => a + b, 0)).toBe(21);
    expect(progress).toEqual([3, 6, 7]);
  });

  it('does not call the model for no inputs', async () => {
    const classifier = echoClassifier();
    expect(await scoreItems([1, 2], async () => [], classifier)).toEqual([[], []]);
    expect(classifier.batches).toEqual([]);
  });

  it('fails when the model returns the wrong number of scores', async () => {
    const broken: MaskClassifier = { predict: async () => [0.5], close: async () => undefined };
    await expect(scoreItems([1, 2], async () => [input(1)], broken, { batchSize: 2 })).rejects.toThrow(
      /returned 1 scores for 2 inputs/,
    );
  });

  it('rejects a batch size below 1', async () => {
    await expect(scoreItems([1], async () => [], echoClassifier(), { batchSize: 0 })).rejects.toThrow(
      /batchSize/,
    );
  });
});
