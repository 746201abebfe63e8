import * as tf from '@tensorflow/tfjs';
import { compareWithOnnx, randomData, type ParityResult } from '../parity';

export { compareWithOnnx, maxAbsDifference, randomData } from '../parity';
export type { ParityResult } from '../parity';

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
