import * as tf from '@tensorflow/tfjs';
import { exportToOnnx, type OnnxExportOptions } from '../export';
import { createOnnxSession, runOnnx } from '../onnx-session';
import { onnx } from '../proto/onnx';

/** A small deterministic generator (mulberry32) so test weights and inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomData(size: number, seed: number, low = -1, high = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: size }, () => low + (high - low) * random());
}

/**
 * Replaces every weight with seeded random values: kernels scaled by fan-in (outputs stay O(1)),
 * non-zero biases and batch-norm statistics (so folding errors show), positive variances and scales.
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  let offset = 0;
  for (const layer of model.layers) {
    const current = layer.getWeights();
    const values = layer.weights.map((weight, index) => {
      const shape: number[] = [...current[index].shape];
      const size = current[index].size;
      const name = weight.originalName;
      const seedHere = seed + offset++;
      if (/(moving_variance|gamma)$/.test(name))
        return tf.tensor(randomData(size, seedHere, 0.5, 1.5), shape);
      if (/kernel$/.test(name)) {
        const fanIn = name.endsWith('depthwise_kernel')
          ? shape[0] * shape[1]
          : size / shape[shape.length - 1];
        const bound = Math.sqrt(3 / fanIn);
        return tf.tensor(randomData(size, seedHere, -bound, bound), shape);
      }
      return tf.tensor(randomData(size, seedHere, -0.5, 0.5), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

export interface ParityResult {
  maxAbsDiff: number;
  tfjs: Float32Array[];
  onnx: Float32Array[];
  /** The ONNX op types in graph order. */
  opTypes: string[];
  bytes: Uint8Array;
}

/** Runs `data` (NHWC or [N, features]) through the tfjs model and its ONNX export; compares every output. */
export async function compareWithOnnx(
  model: tf.LayersModel,
  data: Float32Array,
  shape: number[],
  options: OnnxExportOptions = {},
): Promise<ParityResult> {
  const bytes = exportToOnnx(model, options);
  const session = await createOnnxSession(bytes, { threads: 1 });
  try {
    const input = tf.tensor(data, shape);
    const predicted = model.predict(input);
    const tensors = Array.isArray(predicted) ? predicted : [predicted];
    const tfjs = tensors.map((tensor) => tensor.dataSync() as Float32Array);
    tf.dispose([input, ...tensors]);

    const results = await runOnnx(session, data, shape);
    const outputs = session.outputNames.map((name) => results[name]);
    let maxAbsDiff = 0;
    tfjs.forEach((expected, i) => {
      if (expected.length !== outputs[i].length) {
        throw new Error(`output ${i}: tfjs has ${expected.length} values, ONNX ${outputs[i].length}`);
      }
      maxAbsDiff = Math.max(maxAbsDiff, maxAbsDifference(expected, outputs[i]));
    });
    const opTypes = (onnx.ModelProto.decode(bytes).graph?.node ?? []).map((node) => node.opType ?? '');
    return { maxAbsDiff, tfjs, onnx: outputs, opTypes, bytes };
  } finally {
    await session.release();
  }
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return Number.isNaN(max) ? Infinity : max;
}

/**
 * Builds a functional model on an input of `inputShape` from `body`, randomises its weights (seeded), and
 * compares tfjs with onnxruntime on a random batch. Outputs get names `out0`, `out1`... when there are several.
 */
export async function buildAndCompare(
  inputShape: number[],
  body: (input: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[],
  batch = 2,
): Promise<ParityResult> {
  const input = tf.input({ shape: inputShape });
  const model = tf.model({ inputs: input, outputs: body(input) });
  try {
    randomizeWeights(model, 7);
    const shape = [batch, ...inputShape];
    const data = randomData(
      shape.reduce((a, b) => a * b, 1),
      11,
    );
    const outputNames = model.outputs.length > 1 ? model.outputs.map((_, i) => `out${i}`) : undefined;
    return await compareWithOnnx(model, data, shape, { outputNames });
  } finally {
    model.dispose();
  }
}

/** Applies a layer to one symbolic tensor (tfjs types `apply` loosely). */
export function applyLayer(
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}
