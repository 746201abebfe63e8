import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../model/backend';
import { UnsupportedLayerError } from './errors';
import { exportToOnnx, readOnnxMetadata } from './export';
import { createOnnxSession, runOnnx } from './onnx-session';
import {
  applyLayer,
  compareWithOnnx,
  maxAbsDifference,
  randomData,
  randomizeWeights,
} from './testing/parity';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
});

/** A small MobileNetV2-shaped classifier: stride-2 stem with ZeroPadding, BN, ReLU6, an inverted residual. */
function tinyClassifier(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = applyLayer(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    input,
  );
  x = applyLayer(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false }), x);
  x = applyLayer(tf.layers.batchNormalization({}), x);
  const stem = applyLayer(tf.layers.reLU({ maxValue: 6 }), x);
  x = applyLayer(tf.layers.conv2d({ filters: 16, kernelSize: 1, useBias: false }), stem);
  x = applyLayer(tf.layers.reLU({ maxValue: 6 }), applyLayer(tf.layers.batchNormalization({}), x));
  x = applyLayer(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }), x);
  x = applyLayer(tf.layers.reLU({ maxValue: 6 }), applyLayer(tf.layers.batchNormalization({}), x));
  x = applyLayer(tf.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, name: 'project' }), x);
  x = applyLayer(tf.layers.batchNormalization({ name: 'project_bn' }), x);
  x = applyLayer(tf.layers.add({ name: 'block_add' }), [stem, x]);
  x = applyLayer(tf.layers.globalAveragePooling2d({ name: 'head_pool' }), x);
  x = applyLayer(tf.layers.dense({ units: 4, activation: 'relu' }), x);
  x = applyLayer(tf.layers.dropout({ rate: 0.5 }), x);
  const output = applyLayer(tf.layers.dense({ units: 1, activation: 'sigmoid' }), x);
  const model = tf.model({ inputs: input, outputs: output, name: 'tiny' });
  randomizeWeights(model, 3);
  return model;
}

describe('exportToOnnx', () => {
  it('writes the graph contract: NHWC input `input` with a dynamic batch, one Transpose, output `probability`', async () => {
    const model = tinyClassifier();
    const bytes = exportToOnnx(model);
    const session = await createOnnxSession(bytes);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['probability']);
    expect(session.inputMetadata[0]).toMatchObject({
      name: 'input',
      type: 'float32',
      shape: ['batch', 16, 16, 3],
    });
    expect(session.outputMetadata[0]).toMatchObject({ name: 'probability', shape: ['batch', 1] });

    const { opTypes } = await compareWithOnnx(model, randomData(16 * 16 * 3, 1), [1, 16, 16, 3]);
    expect(opTypes.filter((op) => op === 'Transpose')).toHaveLength(1);
    expect(opTypes).not.toEqual(expect.arrayContaining(['BatchNormalization', 'Dropout', 'Pad', 'Mul']));
    expect(opTypes.filter((op) => op === 'Clip')).toHaveLength(3);
    await session.release();
    model.dispose();
  });

  it('runs batch 1 and batch 3 through one session, matching tfjs', async () => {
    const model = tinyClassifier();
    const session = await createOnnxSession(exportToOnnx(model));
    for (const batch of [1, 3]) {
      const data = randomData(batch * 16 * 16 * 3, batch);
      const { probability } = await runOnnx(session, data, [batch, 16, 16, 3]);
      const expected = tf.tidy(() =>
        (model.predict(tf.tensor(data, [batch, 16, 16, 3])) as tf.Tensor).dataSync(),
      );
      expect(probability).toHaveLength(batch);
      expect(maxAbsDifference(expected, probability)).toBeLessThanOrEqual(TOLERANCE);
    }
    await session.release();
    model.dispose();
  });

  it('stores metadata_props and the producer', () => {
    const model = tinyClassifier();
    const bytes = exportToOnnx(model, {
      metadata: {
        classNames: ['with_mask', 'without_mask'],
        normalization: 'x/127.5-1',
        resizeMode: 'squash',
        modelVersion: '1.2.3',
        trainingRunId: 'run-42',
        extra: { note: 'test' },
      },
    });
    expect(readOnnxMetadata(bytes)).toEqual({
      class_names: '["with_mask","without_mask"]',
      input_size: '[16,16]',
      input_layout: 'NHWC',
      normalization: 'x/127.5-1',
      resize_mode: 'squash',
      model_version: '1.2.3',
      training_run_id: 'run-42',
      producer: expect.stringMatching(/^maskd \S+ \(tfjs \S+\)$/),
      note: 'test',
    });
    model.dispose();
  });

  it('exports a truncated model whose outputs are intermediate 4-D layers, as NHWC', async () => {
    const full = tinyClassifier();
    const truncated = tf.model({
      inputs: full.inputs,
      outputs: [full.getLayer('block_add').output, full.getLayer('project_bn').output] as tf.SymbolicTensor[],
    });
    const data = randomData(2 * 16 * 16 * 3, 5);
    const result = await compareWithOnnx(truncated, data, [2, 16, 16, 3], {
      outputNames: ['features', 'project'],
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.onnx[0]).toHaveLength(2 * 8 * 8 * 8);
    full.dispose();
  });

  it('inlines a model used as a layer (a Sequential backbone inside a functional model)', async () => {
    const backbone = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
        tf.layers.batchNormalization({}),
        tf.layers.reLU({ maxValue: 6 }),
      ],
    });
    const input = tf.input({ shape: [8, 8, 3] });
    const features = applyLayer(backbone, input);
    const pooled = applyLayer(tf.layers.globalAveragePooling2d({}), features);
    const model = tf.model({
      inputs: input,
      outputs: applyLayer(tf.layers.dense({ units: 2, activation: 'softmax' }), pooled),
    });
    randomizeWeights(backbone, 9);
    randomizeWeights(model, 10);
    const result = await compareWithOnnx(model, randomData(3 * 8 * 8 * 3, 6), [3, 8, 8, 3]);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
  });

  it('names the layer and class of an unsupported layer', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const upsampled = applyLayer(tf.layers.upSampling2d({ size: [2, 2], name: 'upsample' }), input);
    const model = tf.model({ inputs: input, outputs: upsampled });
    expect(() => exportToOnnx(model, { outputNames: ['image'] })).toThrow(UnsupportedLayerError);
    expect(() => exportToOnnx(model, { outputNames: ['image'] })).toThrow(
      /cannot export layer 'upsample' \(UpSampling2D\) to ONNX/,
    );
  });

  it('names the layer of an unsupported activation and option', () => {
    const input = tf.input({ shape: [3] });
    const gelu = tf.model({
      inputs: input,
      outputs: applyLayer(tf.layers.dense({ units: 2, activation: 'gelu', name: 'fc' }), input),
    });
    expect(() => exportToOnnx(gelu)).toThrow(/layer 'fc' \(Dense\).*activation 'gelu'/);

    const image = tf.input({ shape: [4, 4, 2] });
    const channelsFirst = tf.model({
      inputs: image,
      outputs: applyLayer(
        tf.layers.conv2d({ filters: 1, kernelSize: 1, dataFormat: 'channelsFirst', name: 'cf' }),
        image,
      ),
    });
    expect(() => exportToOnnx(channelsFirst)).toThrow(/layer 'cf' \(Conv2D\).*channelsFirst/);
  });
});
