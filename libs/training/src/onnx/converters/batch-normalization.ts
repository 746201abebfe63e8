import type { LayerCall, LayerConverter } from '../conversion-context';
import { LayerConfig, layerWeights } from '../layer-config';
import { canFoldBatchNorm, type ChannelAffine, emitConvolution } from './convolution';

/** Inference-mode batch-norm as y = x * scale + shift, computed in float64 from the moving statistics. */
function batchNormAffine(call: LayerCall, config: LayerConfig): ChannelAffine {
  const weights = layerWeights(call);
  const gamma = config.boolean('scale', true) ? weights.shift() : undefined;
  const beta = config.boolean('center', true) ? weights.shift() : undefined;
  const [mean, variance] = weights;
  const epsilon = config.number('epsilon', 1e-3);
  const scale = new Float64Array(mean.length);
  const shift = new Float64Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    scale[c] = (gamma?.[c] ?? 1) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta?.[c] ?? 0) - mean[c] * scale[c];
  }
  return { scale, shift };
}

/**
 * `BatchNormalization` over the channel axis: folded into the convolution before it when that convolution
 * has no activation and nothing else reads its output; otherwise Mul + Add with per-channel constants.
 */
export const convertBatchNormalization: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const inputTensor = call.inputs[0];
  const rank = inputTensor.shape.length;
  const axes = config.numbers('axis').map((axis) => (axis < 0 ? axis + rank : axis));
  if (axes.length !== 1 || axes[0] !== rank - 1) {
    throw config.unsupported(
      `normalisation over axis ${axes.join(', ')}: only the channel (last) axis is supported`,
    );
  }
  const affine = batchNormAffine(call, config);
  const producer = context.producer(inputTensor);
  if (producer && canFoldBatchNorm(producer, context)) {
    return emitConvolution(producer, context, affine, call.layer.name);
  }

  const { builder } = context;
  const input = context.value(inputTensor);
  const channels = affine.scale.length;
  // NCHW values broadcast per channel with [C, 1, 1]; channels-last values with [C].
  const dims = input.channelsFirst ? [channels, 1, 1] : [channels];
  const scale = builder.addFloatTensor(`${call.layer.name}/scale`, Float32Array.from(affine.scale), dims);
  const shift = builder.addFloatTensor(`${call.layer.name}/shift`, Float32Array.from(affine.shift), dims);
  const scaled = builder.addNode('Mul', [input.name, scale], `${call.layer.name}_scaled`);
  return { ...input, name: builder.addNode('Add', [scaled, shift], call.layer.name) };
};
