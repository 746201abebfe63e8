import * as tf from '@tensorflow/tfjs';
import { describeWithSharedData } from '@maskd/imaging/testing';
import { initTensorflow } from '../model/backend';
import { buildMaskClassifier } from '../model/classifier';
import { randomData } from '../onnx/parity';
import { fineTuneCutLayer, HEAD_CUT_LAYER, splitModel } from './model-split';
import { residualModel, TOY_SIZE as SIZE } from './testing/toy-models';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function throughSplit(split: ReturnType<typeof splitModel>, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => split.trainable.predict(split.frozen.predict(x) as tf.Tensor) as tf.Tensor);
}

function perturb(model: tf.LayersModel, seed: number): void {
  model.setWeights(
    model.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.1, 'float32', seed + i))),
  );
}

describe('splitModel', () => {
  beforeAll(async () => {
    await initTensorflow({ log: () => undefined });
  });

  const x = () => tf.tensor(randomData(3 * SIZE * SIZE * 4, 5), [3, SIZE, SIZE, 4]);

  it('computes what the classifier computes, with batch norm folded away', () => {
    const model = residualModel();
    const split = splitModel(model, 'stem', 1);
    expect(split.featureShape).toEqual([SIZE, SIZE, 6]);
    expect(split.trainable.layers.map((layer) => layer.getClassName())).not.toContain('BatchNormalization');
    expect(split.trainableLayers).toEqual([
      'expand',
      'expand_BN',
      'depthwise',
      'depthwise_BN',
      'project',
      'project_BN',
      'dense',
      'output',
    ]);
    expect(maxAbsDiff(throughSplit(split, x()), model.predict(x()) as tf.Tensor)).toBeLessThan(1e-5);
  });

  it('writes trained weights back so that the classifier computes what the trained part does', () => {
    const model = residualModel();
    const frozenBefore = model.getLayer('stem').getWeights()[0].dataSync().slice();
    const split = splitModel(model, 'stem', 1);
    perturb(split.trainable, 100);
    const trained = throughSplit(split, x());
    expect(maxAbsDiff(trained, model.predict(x()) as tf.Tensor)).toBeGreaterThan(1e-3);
    split.writeBack();
    expect(maxAbsDiff(trained, model.predict(x()) as tf.Tensor)).toBeLessThan(1e-5);
    expect(model.getLayer('stem').getWeights()[0].dataSync()).toEqual(frozenBefore);
    // The moving statistics are the ImageNet ones still: only gamma and beta express the folded bias.
    split.dispose();
  });

  it('runs dropout only in training, with a fresh mask on each call', () => {
    const model = residualModel();
    const split = splitModel(model, 'pool', 3);
    const features = tf.ones([64, 6]);
    const inference = split.trainable.apply(features, { training: false }) as tf.Tensor;
    expect(maxAbsDiff(inference, split.trainable.predict(features) as tf.Tensor)).toBe(0);
    const first = split.trainable.apply(features, { training: true }) as tf.Tensor;
    const second = split.trainable.apply(features, { training: true }) as tf.Tensor;
    expect(maxAbsDiff(first, second)).toBeGreaterThan(0);
  });

  it('refuses a cut that a later layer bypasses', () => {
    expect(() => splitModel(residualModel(), 'expand_relu', 1)).toThrow(
      'cannot cut at expand_relu: add also reads stem from before it',
    );
  });
});

describeWithSharedData('splitModel on MobileNetV2 (alpha 0.35)', () => {
  let classifier: tf.LayersModel;

  beforeAll(async () => {
    await initTensorflow({ log: () => undefined });
    const { sharedDataPath } = await import('@maskd/imaging');
    classifier = await buildMaskClassifier({
      weights: sharedDataPath('weights', 'mobilenet_v2_0.35_224_no_top'),
    });
  });

  it('cuts below the unfrozen blocks', () => {
    expect(fineTuneCutLayer(classifier, 0)).toBe('block_16_project_BN');
    expect(fineTuneCutLayer(classifier, 1)).toBe('block_15_add');
    expect(fineTuneCutLayer(classifier, 3)).toBe('block_13_project_BN');
    expect(fineTuneCutLayer(classifier, 5)).toBe('block_11_add');
    expect(() => fineTuneCutLayer(classifier, 17)).toThrow('unfreezeBlocks must be an integer from 0 to 16');
  });

  it.each([HEAD_CUT_LAYER, 'block_15_add', 'block_12_add'])(
    'at %s: frozen + trainable parts equal the classifier, before and after write-back',
    (cut) => {
      const x = tf.tensor(randomData(2 * 224 * 224 * 3, 9), [2, 224, 224, 3]);
      const split = splitModel(classifier, cut, 1);
      expect(maxAbsDiff(throughSplit(split, x), classifier.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
      perturb(split.trainable, 7);
      const trained = throughSplit(split, x);
      split.writeBack();
      expect(maxAbsDiff(trained, classifier.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
      split.dispose();
    },
  );
});
