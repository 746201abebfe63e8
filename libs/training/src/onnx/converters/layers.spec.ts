import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../../model/backend';
import { applyLayer, buildAndCompare } from '../testing/parity';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initTensorflow({ log: () => undefined });
});

const conv = (x: tf.SymbolicTensor, filters = 4) =>
  applyLayer(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }), x);

describe('activations', () => {
  const activations = [
    'relu',
    'relu6',
    'sigmoid',
    'softmax',
    'linear',
    'tanh',
    'elu',
    'selu',
    'softplus',
    'softsign',
    'swish',
    'hardSigmoid',
  ];
  it.each(activations)('Activation(%s) on 4-D and after Dense', async (activation) => {
    const identifier = activation as Parameters<typeof tf.layers.activation>[0]['activation'];
    const result = await buildAndCompare([4, 4, 3], (x) => {
      const spatial = applyLayer(tf.layers.activation({ activation: identifier }), conv(x));
      const flat = applyLayer(tf.layers.flatten(), spatial);
      return applyLayer(tf.layers.dense({ units: 3, activation: identifier }), flat);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('ReLU with and without maxValue, LeakyReLU, ELU and Softmax layers', async () => {
    const result = await buildAndCompare([5, 5, 3], (x) => [
      applyLayer(tf.layers.reLU({ maxValue: 6 }), conv(x)),
      applyLayer(tf.layers.reLU(), conv(x)),
      applyLayer(tf.layers.leakyReLU({ alpha: 0.2 }), conv(x)),
      applyLayer(tf.layers.elu(), conv(x)),
      applyLayer(tf.layers.softmax({ axis: -1 }), conv(x)),
    ]);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toEqual(expect.arrayContaining(['Clip', 'Relu', 'LeakyRelu', 'Elu', 'Softmax']));
  });
});

describe('Dense', () => {
  it('is a Gemm on 2-D input, with and without bias', async () => {
    const result = await buildAndCompare([12], (x) => {
      const hidden = applyLayer(tf.layers.dense({ units: 8, activation: 'relu' }), x);
      return applyLayer(tf.layers.dense({ units: 3, useBias: false }), hidden);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes.filter((op) => op === 'Gemm')).toHaveLength(2);
  });

  it('is MatMul + Add on 4-D input (last axis, Keras layout)', async () => {
    const result = await buildAndCompare([4, 5, 3], (x) =>
      applyLayer(tf.layers.dense({ units: 2 }), conv(x)),
    );
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toEqual(expect.arrayContaining(['MatMul', 'Add']));
  });
});

describe('pooling, flatten, reshape', () => {
  it('GlobalAveragePooling2D and GlobalMaxPooling2D', async () => {
    const result = await buildAndCompare([7, 6, 3], (x) => [
      applyLayer(tf.layers.globalAveragePooling2d({}), conv(x)),
      applyLayer(tf.layers.globalMaxPooling2d({}), conv(x)),
    ]);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('MaxPooling2D and AveragePooling2D with same (padding excluded from the mean) and valid', async () => {
    const result = await buildAndCompare([7, 8, 3], (x) => [
      applyLayer(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), conv(x)),
      applyLayer(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), conv(x)),
      applyLayer(tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }), conv(x)),
    ]);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('Flatten and Reshape keep Keras (NHWC) element order', async () => {
    const result = await buildAndCompare([3, 4, 2], (x) => {
      const flat = applyLayer(tf.layers.flatten(), conv(x, 5));
      const reshaped = applyLayer(tf.layers.reshape({ targetShape: [6, 2, 5] }), flat);
      return [flat, applyLayer(tf.layers.reshape({ targetShape: [-1, 12] }), conv(reshaped, 3))];
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('merges', () => {
  it('Add (residual, 2 and 3 inputs), Multiply, Maximum, Minimum, Average, Concatenate', async () => {
    const result = await buildAndCompare([5, 5, 4], (x) => {
      const [a, b, c] = [conv(x), conv(x), conv(x)];
      return [
        applyLayer(tf.layers.add(), [x, a]),
        applyLayer(tf.layers.add(), [a, b, c]),
        applyLayer(tf.layers.multiply(), [a, b, c]),
        applyLayer(tf.layers.maximum(), [a, b]),
        applyLayer(tf.layers.minimum(), [a, b]),
        applyLayer(tf.layers.average(), [a, b, c]),
        applyLayer(tf.layers.concatenate({ axis: -1 }), [a, x]),
        applyLayer(tf.layers.concatenate({ axis: 1 }), [a, b]),
      ];
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('training-only layers', () => {
  it('removes Dropout, SpatialDropout and noise layers', async () => {
    const result = await buildAndCompare([10], (x) => {
      let y = applyLayer(tf.layers.dropout({ rate: 0.5 }), x);
      y = applyLayer(tf.layers.gaussianNoise({ stddev: 1 }), y);
      y = applyLayer(tf.layers.dense({ units: 4 }), y);
      return applyLayer(tf.layers.alphaDropout({ rate: 0.3 }), y);
    });
    expect(result.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(result.opTypes).toEqual(['Gemm', 'Identity']);
  });
});
