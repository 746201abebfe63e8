import type { LayerConverter } from '../conversion-context';
import { attribute } from '../graph-builder';
import { LayerConfig } from '../layer-config';

/** `Flatten` in Keras (NHWC) element order. */
export const convertFlatten: LayerConverter = (call, context) => {
  new LayerConfig(call).requireChannelsLast();
  const input = context.toKerasLayout(context.value(call.inputs[0]));
  if (input.rank === 2) return input;
  const output = context.builder.addNode('Flatten', [input.name], call.layer.name, [
    attribute.int('axis', 1),
  ]);
  return { name: output, rank: 2, channelsFirst: false };
};

/** `Reshape` in Keras layout; the leading 0 keeps the (dynamic) batch dimension, -1 (tfjs: null) is inferred. */
export const convertReshape: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const raw = call.layer.getConfig().targetShape;
  if (!Array.isArray(raw) || !raw.every((dim) => dim === null || typeof dim === 'number')) {
    throw config.unsupported(`targetShape ${JSON.stringify(raw)} is not a list of sizes`);
  }
  const targetShape = raw.map((dim) => (dim === null ? -1 : dim));
  const input = context.toKerasLayout(context.value(call.inputs[0]));
  const shape = context.builder.int64Vector([0, ...targetShape]);
  const output = context.builder.addNode('Reshape', [input.name, shape], call.layer.name);
  return { name: output, rank: targetShape.length + 1, channelsFirst: false };
};

/** Layers that only act in training (dropout, noise) are the identity at inference: no node at all. */
export const passThrough: LayerConverter = (call, context) => context.value(call.inputs[0]);
