import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../../model/backend';
import {
  applyLayer,
  buildAndCompare,
  compareWithOnnx,
  randomData,
  randomizeWeights,
} from '../testing/parity';

const TOLERANCE = 1e-5;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
});

describe('Conv2D', () => {
  const cases: Array<[string, Conv2DArgs, number]> = [
    ['3x3 same stride 1', { filters: 4, kernelSize: 3, padding: 'same' }, 9],
    ['3x3 same stride 2, odd input', { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, 9],
    [
      '3x3 same stride 2, even input (asymmetric pads)',
      { filters: 4, kernelSize: 3, strides: 2, padding: 'same' },
      8,
    ],
    ['2x2 same stride 1 (even kernel)', { filters: 3, kernelSize: 2, padding: 'same' }, 7],
    ['5x3 same strides [2, 1]', { filters: 3, kernelSize: [5, 3], strides: [2, 1], padding: 'same' }, 10],
    ['3x3 valid stride 2', { filters: 4, kernelSize: 3, strides: 2, padding: 'valid' }, 9],
    ['1x1 without bias', { filters: 6, kernelSize: 1, useBias: false }, 5],
    ['3x3 dilation 2 same', { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }, 9],
    ['relu activation', { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }, 6],
    ['relu6 activation', { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6' }, 6],
    ['sigmoid activation, valid', { filters: 4, kernelSize: 3, activation: 'sigmoid' }, 6],
  ];
  it.each(cases)('%s', async (_name, args, size) => {
    const result = await buildAndCompare([size, size, 3], (x) => applyLayer(tf.layers.conv2d(args), x));
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes.filter((op) => op === 'Conv')).toHaveLength(1);
  });
});

describe('DepthwiseConv2D as grouped Conv', () => {
  const cases: Array<[string, DepthwiseArgs, number]> = [
    ['3x3 same stride 1', { kernelSize: 3, padding: 'same' }, 8],
    ['3x3 same stride 2, even input', { kernelSize: 3, strides: 2, padding: 'same' }, 8],
    ['3x3 valid stride 2, multiplier 2', { kernelSize: 3, strides: 2, depthMultiplier: 2 }, 9],
    [
      '5x5 same, multiplier 3, without bias',
      { kernelSize: 5, depthMultiplier: 3, padding: 'same', useBias: false },
      7,
    ],
    ['relu6 activation', { kernelSize: 3, padding: 'same', activation: 'relu6' }, 6],
  ];
  it.each(cases)('%s', async (_name, args, size) => {
    const result = await buildAndCompare([size, size, 4], (x) =>
      applyLayer(tf.layers.depthwiseConv2d(args), x),
    );
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toContain('Conv');
  });
});

describe('BatchNormalization', () => {
  it('folds into the preceding Conv2D and DepthwiseConv2D', async () => {
    const result = await buildAndCompare([8, 8, 3], (x) => {
      let y = applyLayer(
        tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        x,
      );
      y = applyLayer(tf.layers.batchNormalization({ epsilon: 1e-3 }), y);
      y = applyLayer(tf.layers.reLU({ maxValue: 6 }), y);
      y = applyLayer(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), y);
      return applyLayer(tf.layers.batchNormalization({ epsilon: 1e-5 }), y);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toEqual(['Transpose', 'Conv', 'Clip', 'Conv', 'Transpose', 'Identity']);
  });

  it('stays a Mul + Add after an activation, on a 2-D input and without scale/center', async () => {
    const result = await buildAndCompare([6, 6, 3], (x) => {
      const y = applyLayer(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), x);
      const normalised = applyLayer(tf.layers.batchNormalization({ scale: false, center: false }), y);
      const pooled = applyLayer(tf.layers.globalAveragePooling2d({}), normalised);
      return applyLayer(tf.layers.batchNormalization({}), pooled);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes.filter((op) => op === 'Mul')).toHaveLength(2);
    expect(result.opTypes).not.toContain('BatchNormalization');
  });

  it('does not fold into a convolution whose output is also read elsewhere', async () => {
    const result = await buildAndCompare([6, 6, 3], (x) => {
      const conv = applyLayer(tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), x);
      const normalised = applyLayer(tf.layers.batchNormalization({}), conv);
      return applyLayer(tf.layers.add(), [conv, normalised]);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toContain('Mul');
  });
});

describe('ZeroPadding2D', () => {
  it('folds into the pads of the valid convolution after it (MobileNetV2 stride-2 pattern)', async () => {
    const result = await buildAndCompare([9, 9, 3], (x) => {
      const padded = applyLayer(
        tf.layers.zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
        }),
        x,
      );
      const y = applyLayer(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }), padded);
      const padded2 = applyLayer(
        tf.layers.zeroPadding2d({
          padding: [
            [1, 2],
            [2, 1],
          ],
        }),
        y,
      );
      return applyLayer(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2 }), padded2);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).not.toContain('Pad');
  });

  it('becomes an ONNX Pad when another layer reads it too', async () => {
    const result = await buildAndCompare([5, 5, 2], (x) => {
      const padded = applyLayer(tf.layers.zeroPadding2d({ padding: 1 }), x);
      const conv = applyLayer(tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }), padded);
      return applyLayer(tf.layers.add(), [padded, conv]);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toContain('Pad');
  });
});

describe('dynamic spatial size', () => {
  it("uses auto_pad SAME_UPPER (TensorFlow's rule) when the input size is unknown", async () => {
    const input = tf.input({ shape: [null, null, 3] });
    const conv = applyLayer(
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      input,
    );
    const depthwise = applyLayer(
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }),
      conv,
    );
    const pooled = applyLayer(
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      depthwise,
    );
    const model = tf.model({
      inputs: input,
      outputs: applyLayer(tf.layers.globalAveragePooling2d({}), pooled),
    });
    randomizeWeights(model, 4);
    for (const [height, width] of [
      [16, 16],
      [13, 10],
    ]) {
      const result = await compareWithOnnx(model, randomData(height * width * 3, height), [
        1,
        height,
        width,
        3,
      ]);
      expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    }
    model.dispose();
  });
});
