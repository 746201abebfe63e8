import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData } from '@maskd/imaging/testing';
import { initTensorflow } from './backend';
import {
  BackboneWeightsError,
  buildMaskClassifier,
  HEAD_LAYER_NAMES,
  inspectMobileNetV2,
  loadMobileNetV2Backbone,
} from './classifier';
import { ModelLoadError, saveLayersModel } from './io';

const SMALL_BACKBONE = sharedDataPath('weights', 'mobilenet_v2_0.35_224_no_top');

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
});

describeWithSharedData('buildMaskClassifier on the alpha 0.35 ImageNet backbone', () => {
  it('reads alpha and input size from the weights', async () => {
    const backbone = await loadMobileNetV2Backbone(SMALL_BACKBONE);
    expect(backbone).toMatchObject({ alpha: 0.35, inputSize: 224, featureChannels: 1280 });
    expect(backbone.model.outputs[0].shape).toEqual([null, 7, 7, 1280]);
  });

  it('puts the reference head with stable names directly on the backbone layers', async () => {
    const model = await buildMaskClassifier({ weights: SMALL_BACKBONE, headUnits: 128 });
    expect(model.inputs[0].shape).toEqual([null, 224, 224, 3]);
    expect(model.outputs[0].shape).toEqual([null, 1]);
    const head = model.layers.slice(-4);
    expect(head.map((layer) => [layer.name, layer.getClassName()])).toEqual([
      [HEAD_LAYER_NAMES.pool, 'GlobalAveragePooling2D'],
      [HEAD_LAYER_NAMES.dense, 'Dense'],
      [HEAD_LAYER_NAMES.dropout, 'Dropout'],
      [HEAD_LAYER_NAMES.output, 'Dense'],
    ]);
    expect(model.getLayer(HEAD_LAYER_NAMES.dense).countParams()).toBe(1280 * 128 + 128);
    expect(model.getLayer(HEAD_LAYER_NAMES.output).getConfig().activation).toBe('sigmoid');
    expect(model.getLayer('block_15_add')).toBeDefined();
    expect(inspectMobileNetV2(model)).toEqual({ alpha: 0.35, inputSize: 224, featureChannels: 1280 });

    const probabilities = tf.tidy(() => (model.predict(tf.zeros([2, 224, 224, 3])) as tf.Tensor).arraySync());
    expect(probabilities).toHaveLength(2);
    for (const [p] of probabilities as number[][]) expect(p).toBeGreaterThan(0);
  });

  it('initialises the head from the seed: same seed, same weights; other seed, other weights', async () => {
    const headKernel = async (seed: number) =>
      (await buildMaskClassifier({ weights: SMALL_BACKBONE, seed }))
        .getLayer(HEAD_LAYER_NAMES.output)
        .getWeights()[0]
        .dataSync();
    const [a, b, c] = [await headKernel(1), await headKernel(1), await headKernel(2)];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('drops different units at every training step (a seeded tfjs Dropout would repeat its mask)', async () => {
    const model = await buildMaskClassifier({ weights: SMALL_BACKBONE });
    const dropout = model.getLayer(HEAD_LAYER_NAMES.dropout);
    const mask = (layer: tf.layers.Layer) =>
      tf.tidy(() => Array.from((layer.apply(tf.ones([4, 128]), { training: true }) as tf.Tensor).dataSync()));
    const [first, second] = [mask(dropout), mask(dropout)];
    expect(first).not.toEqual(second);
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(0);
    const seeded = tf.layers.dropout({ rate: 0.5, seed: 43 });
    expect(mask(seeded)).toEqual(mask(seeded));
  });

  it('rejects a model with its classification top', async () => {
    const backbone = await loadMobileNetV2Backbone(SMALL_BACKBONE);
    const pooled = tf.layers.globalAveragePooling2d({}).apply(backbone.model.outputs[0]) as tf.SymbolicTensor;
    const withTop = tf.model({ inputs: backbone.model.inputs, outputs: pooled });
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-top-'));
    try {
      await saveLayersModel(withTop, folder);
      await expect(buildMaskClassifier({ weights: folder })).rejects.toThrow(
        /does not look like a MobileNetV2 no-top backbone: its output shape is \[, 1280\].*classification top/,
      );
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

describe('buildMaskClassifier errors', () => {
  it('names a missing weights folder', async () => {
    const missing = path.join(os.tmpdir(), 'maskd-no-such-weights');
    await expect(buildMaskClassifier({ weights: missing })).rejects.toThrow(ModelLoadError);
    await expect(buildMaskClassifier({ weights: missing })).rejects.toThrow(
      `model folder ${missing} does not exist`,
    );
  });

  it('rejects weights of another architecture', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-other-'));
    try {
      await saveLayersModel(tf.model({ inputs: input, outputs: conv }), folder);
      const error = await buildMaskClassifier({ weights: folder }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackboneWeightsError);
      expect((error as Error).message).toMatch(
        /does not look like a MobileNetV2 no-top backbone: it has no layer Conv1/,
      );
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  it('rejects invalid head options before loading anything', async () => {
    await expect(buildMaskClassifier({ weights: '/nowhere', dropout: 1 })).rejects.toThrow(RangeError);
    await expect(buildMaskClassifier({ weights: '/nowhere', headUnits: 0 })).rejects.toThrow(/headUnits/);
  });
});
