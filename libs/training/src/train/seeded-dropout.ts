import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/split';

/**
 * Dropout for the training graph that draws a fresh mask on every call from a seeded generator. tfjs' Dropout
 * with a `seed` re-seeds on every call, so it would drop the same units at every step; without one it uses
 * Math.random and runs are not reproducible.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'MaskdSeededDropout';
  private readonly rate: number;
  private readonly random: () => number;

  constructor(args: { rate: number; seed: number; name?: string }) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1))
      throw new RangeError(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.random = mulberry32(args.seed);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return input;
    return tf.dropout(input, this.rate, undefined, Math.floor(this.random() * 2 ** 31));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
