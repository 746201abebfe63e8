import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fromRaw, noiseRgb } from '@maskd/imaging/testing';
import { initTensorflow } from '../model/backend';
import { exportToOnnx } from '../onnx/export';
import { AugmentationSchema } from './config';
import { FeatureExtractor } from './feature-extractor';

const SIZE = 32;

/** A small convolutional "frozen part": input -> conv -> global pooling, 4 features per image. */
function frozenModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const conv = tf.layers.conv2d({
    filters: 4,
    kernelSize: 3,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  });
  const pool = tf.layers.globalAveragePooling2d({});
  return tf.model({ inputs: input, outputs: pool.apply(conv.apply(input)) as tf.SymbolicTensor });
}

describe('FeatureExtractor', () => {
  let extractor: FeatureExtractor;
  let paths: string[];
  let model: tf.LayersModel;

  beforeAll(async () => {
    await initTensorflow({ log: () => undefined });
    const dir = await mkdtemp(path.join(tmpdir(), 'maskd-features-'));
    paths = await Promise.all(
      [1, 2, 3].map(async (seed) => {
        const file = path.join(dir, `${seed}.jpg`);
        await writeFile(
          file,
          await fromRaw(noiseRgb(80 + 10 * seed, 60, seed))
            .jpeg()
            .toBuffer(),
        );
        return file;
      }),
    );
    model = frozenModel();
    extractor = FeatureExtractor.start({
      trainPaths: paths,
      inputSize: SIZE,
      augmentation: AugmentationSchema.parse({}),
      seed: 5,
    });
    await extractor.loadModel(exportToOnnx(model, { outputNames: ['features'] }), 1);
    expect(await extractor.decodeTrainingImages()).toBe((90 + 100 + 110) * 60 * 3);
  }, 60_000);

  afterAll(() => extractor.close());

  it('computes, for unaugmented training images, exactly what serving-path preprocessing of the files gives', async () => {
    const fromCache = await extractor.trainBatch([2, 0], 1, false);
    const fromFiles = await extractor.fileBatch([paths[2], paths[0]]);
    expect(fromCache).toHaveLength(8);
    expect(Array.from(fromCache)).toEqual(Array.from(fromFiles));
  });

  it('agrees with the tfjs model it was exported from', async () => {
    const { preprocessImage } = await import('@maskd/imaging');
    const { readFile } = await import('node:fs/promises');
    const { input } = await preprocessImage(await readFile(paths[1]), { size: SIZE });
    const expected = tf.tidy(() =>
      (model.predict(tf.tensor(input, [1, SIZE, SIZE, 3])) as tf.Tensor).dataSync(),
    );
    const actual = await extractor.fileBatch([paths[1]]);
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });

  it('augments reproducibly per epoch and image, differently across epochs', async () => {
    const first = await extractor.trainBatch([0, 1, 2], 3, true);
    const again = await extractor.trainBatch([0, 1, 2], 3, true);
    const nextEpoch = await extractor.trainBatch([0, 1, 2], 4, true);
    const alone = await extractor.trainBatch([1], 3, true);
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(Array.from(nextEpoch)).not.toEqual(Array.from(first));
    // An image's augmentation does not depend on its batch: image 1 alone equals its row in the batch of three.
    expect(Array.from(alone)).toEqual(Array.from(first.subarray(4, 8)));
  });

  it('reports a failing request without breaking the next ones', async () => {
    await expect(extractor.fileBatch(['/nonexistent.jpg'])).rejects.toThrow('feature worker:');
    expect(await extractor.fileBatch([paths[0]])).toHaveLength(4);
  });
});
