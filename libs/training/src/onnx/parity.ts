import * as tf from '@tensorflow/tfjs';
import { exportToOnnx, type OnnxExportOptions } from './export';
import { createOnnxSession, runOnnx } from './onnx-session';
import { onnx } from './proto/onnx';
import { mulberry32 } from '../data/split';

/** Seeded uniform data in [low, high), so test weights and inputs are the same on every run. */
export function randomData(size: number, seed: number, low = -1, high = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: size }, () => low + (high - low) * random());
}

export interface ParityResult {
  maxAbsDiff: number;
  tfjs: Float32Array[];
  onnx: Float32Array[];
  /** The ONNX op types in graph order. */
  opTypes: string[];
  bytes: Uint8Array;
}

/** Exports `model` with `options` and compares it with tfjs on `data` (see compareOnnxBytes). */
export function compareWithOnnx(
  model: tf.LayersModel,
  data: Float32Array,
  shape: number[],
  options: OnnxExportOptions = {},
): Promise<ParityResult> {
  return compareOnnxBytes(model, exportToOnnx(model, options), data, shape);
}

/**
 * Runs `data` (NHWC or [N, features]) through the tfjs model and through ONNX `bytes` in onnxruntime, and
 * compares every output: the check behind the export CLI and the parity tests.
 */
export async function compareOnnxBytes(
  model: tf.LayersModel,
  bytes: Uint8Array,
  data: Float32Array,
  shape: number[],
): Promise<ParityResult> {
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
