import type * as tf from '@tensorflow/tfjs';

/** Copies of the weight values of a model's layers, by weight name. */
export type WeightValues = Map<string, Float32Array>;

export function captureWeights(model: tf.LayersModel, layerNames: Iterable<string>): WeightValues {
  const values: WeightValues = new Map();
  for (const name of layerNames) {
    for (const weight of model.getLayer(name).weights) {
      values.set(weight.originalName, (weight.read().dataSync() as Float32Array).slice());
    }
  }
  return values;
}

export interface WeightChange {
  weight: string;
  /** ||after - before|| / ||before|| (L2 norms). */
  relativeChange: number;
  maxAbsChange: number;
}

/** How far each captured weight has moved since it was captured. */
export function weightChanges(before: WeightValues, model: tf.LayersModel): WeightChange[] {
  const current = new Map(model.weights.map((weight) => [weight.originalName, weight]));
  return [...before].map(([name, previous]) => {
    const weight = current.get(name);
    if (!weight) throw new Error(`weight ${name} is no longer in the model`);
    const now = weight.read().dataSync();
    let difference = 0;
    let norm = 0;
    let maxAbsChange = 0;
    for (let i = 0; i < previous.length; i++) {
      const delta = now[i] - previous[i];
      difference += delta * delta;
      norm += previous[i] * previous[i];
      maxAbsChange = Math.max(maxAbsChange, Math.abs(delta));
    }
    return {
      weight: name,
      relativeChange: Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-12),
      maxAbsChange,
    };
  });
}
