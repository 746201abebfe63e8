import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { InferenceSession } from 'onnxruntime-node';
import { sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData } from '@maskd/imaging/testing';
import { datasetImageFiles, generatedImages, packBatch, preprocessAll } from '../bench/sample-images';
import { initTensorflow } from '../model/backend';
import { buildMaskClassifier, MASK_CLASS_NAMES } from '../model/classifier';
import { exportToOnnx } from './export';
import { createOnnxSession, runOnnx } from './onnx-session';
import { compareWithOnnx, maxAbsDifference } from './parity';

/*
 * The acceptance check of the export: the real classifier (ImageNet MobileNetV2 + head), exported to ONNX, gives
 * the same probabilities in onnxruntime-node as in tfjs, on real dataset images and on generated ones.
 */
const TOLERANCE = 1e-4;
const REAL_IMAGES = 32;
const GENERATED_IMAGES = 8;
const BATCH = 8;
const SIZE = 224;

let inputs: Float32Array[];

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
  const files = await datasetImageFiles(REAL_IMAGES);
  const images = [
    ...(await Promise.all(files.map((file) => fs.readFile(file)))),
    ...(await generatedImages(GENERATED_IMAGES)),
  ];
  inputs = await preprocessAll(images, SIZE);
});

async function probabilities(
  run: (batch: Float32Array, count: number) => Promise<ArrayLike<number>>,
): Promise<number[]> {
  const result: number[] = [];
  for (let start = 0; start < inputs.length; start += BATCH) {
    const chunk = inputs.slice(start, start + BATCH);
    result.push(...Array.from(await run(packBatch(chunk), chunk.length)));
  }
  return result;
}

const label = (p: number, threshold: number) => MASK_CLASS_NAMES[p >= threshold ? 1 : 0];

describeWithSharedData('tfjs vs onnxruntime-node on the real classifier', () => {
  it.each(['0.35', '1.0'])('alpha %s: max |p_tfjs - p_onnx| <= 1e-4 and identical labels', async (alpha) => {
    expect(inputs).toHaveLength(REAL_IMAGES + GENERATED_IMAGES);
    const model = await buildMaskClassifier({
      weights: sharedDataPath('weights', `mobilenet_v2_${alpha}_224_no_top`),
      seed: 7,
    });
    let session: InferenceSession | undefined;
    try {
      session = await createOnnxSession(exportToOnnx(model), { threads: 1 });
      const onnxSession = session;
      const tfjs = await probabilities(async (batch, count) =>
        tf.tidy(() => (model.predict(tf.tensor4d(batch, [count, SIZE, SIZE, 3])) as tf.Tensor).dataSync()),
      );
      const onnx = await probabilities(
        async (batch, count) => (await runOnnx(onnxSession, batch, [count, SIZE, SIZE, 3])).probability,
      );
      const diff = maxAbsDifference(tfjs, onnx);
      // The untrained head puts most images on one side of 0.5, so labels are also compared at the median score.
      const sorted = [...tfjs].sort((a, b) => a - b);
      const median = (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      console.info(
        `alpha ${alpha}: ${inputs.length} images (${REAL_IMAGES} real, ${GENERATED_IMAGES} generated), ` +
          `max |p_tfjs - p_onnx| = ${diff.toExponential(2)}, p in [${sorted[0].toFixed(4)}, ${sorted[sorted.length - 1].toFixed(4)}]`,
      );
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      for (const threshold of [0.5, median]) {
        expect(onnx.map((p) => label(p, threshold))).toEqual(tfjs.map((p) => label(p, threshold)));
      }
    } finally {
      await session?.release();
      model.dispose();
    }
  });

  it('alpha 0.35, truncated at block_15_add and out_relu (frozen-feature export): NHWC features agree', async () => {
    const model = await buildMaskClassifier({
      weights: sharedDataPath('weights', 'mobilenet_v2_0.35_224_no_top'),
    });
    const cuts = ['block_15_add', 'out_relu'];
    const truncated = tf.model({
      inputs: model.inputs,
      outputs: cuts.map((name) => model.getLayer(name).output as tf.SymbolicTensor),
    });
    try {
      const batch = inputs.slice(0, BATCH);
      const result = await compareWithOnnx(truncated, packBatch(batch), [batch.length, SIZE, SIZE, 3], {
        outputNames: cuts,
      });
      expect(result.onnx.map((output) => output.length)).toEqual([BATCH * 7 * 7 * 56, BATCH * 7 * 7 * 1280]);
      result.tfjs.forEach((expected, i) => {
        // Features are unbounded (block_15_add reaches ~40) and BN folding reorders float32 rounding over ~50
        // layers, so the error is judged against the feature map's scale; a conversion bug would be O(1).
        const scale = Math.max(
          1,
          expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0),
        );
        expect(maxAbsDifference(expected, result.onnx[i]) / scale).toBeLessThanOrEqual(TOLERANCE);
      });
    } finally {
      model.dispose();
    }
  });
});
