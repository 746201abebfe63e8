import * as tf from '@tensorflow/tfjs';

export const TOY_SIZE = 8;

/** A small residual block with Keras-style names, BN moving statistics far from identity, and a dropout head. */
export function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [TOY_SIZE, TOY_SIZE, 4] });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const stem = apply(tf.layers.conv2d({ name: 'stem', filters: 6, kernelSize: 3, padding: 'same' }), input);
  let x = apply(tf.layers.conv2d({ name: 'expand', filters: 12, kernelSize: 1, useBias: false }), stem);
  x = apply(tf.layers.batchNormalization({ name: 'expand_BN' }), x);
  x = apply(tf.layers.reLU({ name: 'expand_relu', maxValue: 6 }), x);
  x = apply(
    tf.layers.depthwiseConv2d({ name: 'depthwise', kernelSize: 3, padding: 'same', useBias: false }),
    x,
  );
  x = apply(tf.layers.batchNormalization({ name: 'depthwise_BN' }), x);
  x = apply(tf.layers.reLU({ name: 'depthwise_relu', maxValue: 6 }), x);
  x = apply(tf.layers.conv2d({ name: 'project', filters: 6, kernelSize: 1, useBias: true }), x);
  x = apply(tf.layers.batchNormalization({ name: 'project_BN' }), x);
  x = apply(tf.layers.add({ name: 'add' }), [stem, x]);
  x = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), x);
  x = apply(tf.layers.dense({ name: 'dense', units: 5, activation: 'relu' }), x);
  x = apply(tf.layers.dropout({ name: 'dropout', rate: 0.5 }), x);
  const output = apply(tf.layers.dense({ name: 'output', units: 1, activation: 'sigmoid' }), x);
  const model = tf.model({ inputs: input, outputs: output });
  // Random weights everywhere, with positive variances, so folding has something to get wrong.
  model.setWeights(
    model.weights.map((weight, i) =>
      weight.name.includes('moving_variance')
        ? tf.randomUniform(weight.shape as number[], 0.2, 3, 'float32', i)
        : tf.randomNormal(weight.shape as number[], 0, 0.5, 'float32', i),
    ),
  );
  return model;
}
