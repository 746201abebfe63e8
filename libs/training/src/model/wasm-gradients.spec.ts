import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/split';
import { initTensorflow } from './backend';
import { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from './wasm-gradients';

type Inputs = Record<string, { shape: number[]; data: Float32Array }>;
type Op = (tensors: Record<string, tf.Tensor>) => tf.Tensor;

function randomInputs(shapes: Record<string, number[]>, seed: number): Inputs {
  const random = mulberry32(seed);
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape]) => [
      name,
      {
        shape,
        data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1),
      },
    ]),
  );
}

/** Gradients of sum(op(inputs) * r) for a fixed random r, with respect to every input, on one backend. */
async function gradientsOn(backend: string, op: Op, inputs: Inputs): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const names = Object.keys(inputs);
    const tensors = names.map((name) => tf.tensor(inputs[name].data, inputs[name].shape));
    const probeShape = op(Object.fromEntries(names.map((name, i) => [name, tensors[i]]))).shape;
    const probe = tf.tensor(randomInputs({ r: probeShape }, 7).r.data, probeShape);
    const grads = tf.grads((...args: tf.Tensor[]) =>
      tf.sum(tf.mul(op(Object.fromEntries(names.map((name, i) => [name, args[i]]))), probe)),
    )(tensors);
    return grads.map((grad) => grad.dataSync() as Float32Array);
  });
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(1, ...expected.map(Math.abs));
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]) / scale);
  return max;
}

const conv =
  (strides: number, pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding): Op =>
  (t) =>
    tf.conv2d(t.x as tf.Tensor4D, t.w as tf.Tensor4D, strides, pad);
const depthwise =
  (strides: number, pad: 'same' | 'valid'): Op =>
  (t) =>
    tf.depthwiseConv2d(t.x as tf.Tensor4D, t.w as tf.Tensor4D, strides, pad);

const CASES: { name: string; op: Op; shapes: Record<string, number[]> }[] = [
  {
    name: 'conv 1x1 stride 1',
    op: conv(1, 'same'),
    shapes: { x: [3, 5, 5, 6], w: [1, 1, 6, 4] },
  },
  { name: 'conv 1x1 stride 2', op: conv(2, 'same'), shapes: { x: [2, 6, 6, 5], w: [1, 1, 5, 3] } },
  {
    name: 'conv 3x3 stride 2 same',
    op: conv(2, 'same'),
    shapes: { x: [2, 7, 7, 3], w: [3, 3, 3, 4] },
  },
  { name: 'conv 3x3 stride 1 valid', op: conv(1, 'valid'), shapes: { x: [2, 6, 5, 3], w: [3, 3, 3, 2] } },
  {
    name: 'conv 3x3 explicit padding',
    op: conv(1, [
      [0, 0],
      [1, 2],
      [2, 1],
      [0, 0],
    ]),
    shapes: { x: [2, 5, 5, 3], w: [3, 3, 3, 2] },
  },
  {
    name: 'depthwise 3x3 stride 1 same',
    op: depthwise(1, 'same'),
    shapes: { x: [2, 7, 7, 8], w: [3, 3, 8, 1] },
  },
  {
    name: 'depthwise 3x3 stride 2 same',
    op: depthwise(2, 'same'),
    shapes: { x: [2, 8, 8, 4], w: [3, 3, 4, 1] },
  },
  {
    name: 'depthwise 3x3 stride 2 valid',
    op: depthwise(2, 'valid'),
    shapes: { x: [2, 9, 9, 4], w: [3, 3, 4, 1] },
  },
  {
    name: 'depthwise 5x5 stride 1 valid',
    op: depthwise(1, 'valid'),
    shapes: { x: [1, 9, 8, 3], w: [5, 5, 3, 1] },
  },
  {
    name: 'depthwise channel multiplier 2 (cpu bridge)',
    op: depthwise(1, 'same'),
    shapes: { x: [2, 5, 5, 3], w: [3, 3, 3, 2] },
  },
  { name: 'matmul a^T b', op: (t) => tf.matMul(t.a, t.b, true, false), shapes: { a: [7, 5], b: [7, 4] } },
  { name: 'matmul a b^T', op: (t) => tf.matMul(t.a, t.b, false, true), shapes: { a: [5, 7], b: [4, 7] } },
  {
    name: 'batched matmul a^T b^T',
    op: (t) => tf.matMul(t.a, t.b, true, true),
    shapes: { a: [3, 7, 5], b: [3, 4, 7] },
  },
  {
    name: 'dense layer with relu',
    op: (t) => tf.relu(tf.matMul(t.x, t.w)),
    shapes: { x: [6, 10], w: [10, 3] },
  },
];

describe('wasm gradient kernels', () => {
  beforeAll(async () => {
    await initTensorflow({ prefer: 'wasm', log: () => undefined });
    registerWasmGradientKernels();
  });

  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('are all registered for the wasm backend, once', () => {
    for (const name of WASM_GRADIENT_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(registerWasmGradientKernels()).toEqual([]);
  });

  it.each(CASES)('$name: gradients match the cpu backend', async ({ op, shapes }) => {
    const inputs = randomInputs(shapes, 42);
    const expected = await gradientsOn('cpu', op, inputs);
    const actual = await gradientsOn('wasm', op, inputs);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((gradient, i) => {
      expect(gradient).toHaveLength(expected[i].length);
      expect(maxRelativeError(gradient, expected[i])).toBeLessThan(1e-5);
    });
  });

  it('frees every intermediate buffer', async () => {
    const inputs = randomInputs({ x: [2, 7, 7, 8], w: [3, 3, 8, 1] }, 3);
    await gradientsOn('wasm', depthwise(1, 'same'), inputs);
    const backend = tf.findBackend('wasm') as tf.KernelBackend;
    const before = backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    await gradientsOn('wasm', depthwise(1, 'same'), inputs);
    await gradientsOn('wasm', conv(1, 'same'), randomInputs({ x: [2, 4, 4, 6], w: [1, 1, 6, 5] }, 4));
    await gradientsOn(
      'wasm',
      (t) => tf.matMul(t.a, t.b, true, true),
      randomInputs({ a: [4, 3], b: [5, 4] }, 5),
    );
    expect(backend.numDataIds()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
