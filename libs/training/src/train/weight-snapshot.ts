import * as tf from '@tensorflow/tfjs';

/** Copies of a model's weight values, to return to the best epoch's weights after later epochs changed them. */
export class WeightSnapshot {
  private constructor(private readonly values: tf.Tensor[]) {}

  static of(model: tf.LayersModel): WeightSnapshot {
    return new WeightSnapshot(model.weights.map((weight) => tf.keep(weight.read().clone())));
  }

  restore(model: tf.LayersModel): void {
    model.setWeights(this.values);
  }

  dispose(): void {
    tf.dispose(this.values);
  }
}
