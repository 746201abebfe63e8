import type * as tf from '@tensorflow/tfjs';
import type { ConversionContext, LayerCall, LayerConverter } from '../conversion-context';
import { attribute } from '../graph-builder';
import { LayerConfig } from '../layer-config';

/** ONNX 2-D pads: [top, left, bottom, right]. */
export type Pads = [number, number, number, number];

/**
 * tfjs/TensorFlow 'same' padding for a static input size: output = ceil(input / stride) and the total padding
 * is split with the odd pixel at the end (bottom/right), which matters for stride-2 layers.
 */
export function padsForSame(
  [height, width]: [number, number],
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
): Pads {
  const along = (size: number, kernel: number, stride: number, dilation: number) => {
    const effectiveKernel = (kernel - 1) * dilation + 1;
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + effectiveKernel - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [top, bottom] = along(height, kh, sh, dh);
  const [left, right] = along(width, kw, sw, dw);
  return [top, left, bottom, right];
}

function zeroPadding(call: LayerCall): Pads {
  const config = new LayerConfig(call);
  config.requireChannelsLast();
  const padding = call.layer.getConfig().padding;
  const flat = Array.isArray(padding) ? padding.flat() : [];
  if (flat.length !== 4 || !flat.every((value): value is number => typeof value === 'number')) {
    throw config.unsupported(`padding ${JSON.stringify(padding)} is not [[top, bottom], [left, right]]`);
  }
  const [top, bottom, left, right] = flat;
  return [top, left, bottom, right];
}

/** The ZeroPadding2D producing `tensor`, if it can be folded into the one layer that reads it. */
export function zeroPaddingOf(
  tensor: tf.SymbolicTensor,
  context: ConversionContext,
): { input: tf.SymbolicTensor; pads: Pads } | undefined {
  const producer = context.producer(tensor);
  if (producer?.className !== 'ZeroPadding2D' || context.consumers(tensor) !== 1) return undefined;
  return { input: producer.inputs[0], pads: zeroPadding(producer) };
}

/** A ZeroPadding2D that could not be folded into a convolution: an ONNX Pad (opset 13: pads as an input). */
export const convertZeroPadding2D: LayerConverter = (call, context) => {
  const [top, left, bottom, right] = zeroPadding(call);
  const input = context.toChannelsFirst(context.value(call.inputs[0]));
  const pads = context.builder.int64Vector([0, 0, top, left, 0, 0, bottom, right]);
  const output = context.builder.addNode('Pad', [input.name, pads], call.layer.name, [
    attribute.string('mode', 'constant'),
  ]);
  return { ...input, name: output };
};
