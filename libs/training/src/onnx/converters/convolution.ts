import type { ConversionContext, LayerCall, LayerConverter, OnnxValue } from '../conversion-context';
import { attribute, type Attribute } from '../graph-builder';
import { LayerConfig, layerWeights, spatialSize } from '../layer-config';
import { applyActivation, SUPPORTED_ACTIVATIONS } from './activation';
import { padsForSame, type Pads, zeroPaddingOf } from './padding';

/** A per-channel affine map y = x * scale + shift (an inference-mode batch-norm) folded into the weights. */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** `Conv2D` and `DepthwiseConv2D` as ONNX Conv (depthwise as a grouped Conv with one group per input channel). */
export const convertConvolution: LayerConverter = (call, context) => emitConvolution(call, context);

/** Whether a batch-norm reading this convolution's output can be folded into its weights. */
export function canFoldBatchNorm(producer: LayerCall, context: ConversionContext): boolean {
  return (
    CONVOLUTIONS.has(producer.className) &&
    new LayerConfig(producer).string('activation', 'linear') === 'linear' &&
    context.consumers(producer.outputs[0]) === 1
  );
}

/**
 * Emits the Conv node for `call`, optionally with a following batch-norm folded in (the value then stands for
 * the batch-norm's output, named `outputName`). A ZeroPadding2D read only by this convolution is folded into
 * the Conv pads. 'same' padding follows tfjs exactly: the odd pixel goes to the bottom/right (stride 2!).
 */
export function emitConvolution(
  call: LayerCall,
  context: ConversionContext,
  batchNorm?: ChannelAffine,
  outputName = call.layer.name,
): OnnxValue {
  const config = new LayerConfig(call);
  config.requireChannelsLast();
  const depthwise = call.className === 'DepthwiseConv2D';
  const kernelSize = config.pair('kernelSize');
  const strides = config.pair('strides', 1);
  const dilations = config.pair('dilationRate', 1);
  const padding = config.string('padding', 'valid');
  const activation = config.string('activation', 'linear');
  if (!SUPPORTED_ACTIVATIONS.includes(activation)) throw config.unsupported(`activation '${activation}'`);

  const folded = zeroPaddingOf(call.inputs[0], context);
  const source = folded ? folded.input : call.inputs[0];
  let pads: Pads = folded ? folded.pads : [0, 0, 0, 0];
  const autoPad: Attribute[] = [];
  if (padding === 'same') {
    const size = spatialSize(call.inputs[0]);
    if (size) pads = addPads(pads, padsForSame(size, kernelSize, strides, dilations));
    else if (folded) throw config.unsupported(`'same' padding after ZeroPadding2D needs a static input size`);
    else autoPad.push(attribute.string('auto_pad', 'SAME_UPPER')); // TF's rule; only when the size is dynamic
  } else if (padding !== 'valid') {
    throw config.unsupported(`padding '${padding}'`);
  }

  const input = context.toChannelsFirst(context.value(source));
  const { weights, outChannels, group, ...unfolded } = onnxWeights(call, config, depthwise, kernelSize);
  const bias = batchNorm ? foldAffine(weights, unfolded.bias, batchNorm, outChannels) : unfolded.bias;

  const { builder } = context;
  const convName = activation === 'linear' ? outputName : `${outputName}_conv`;
  const weightName = builder.addFloatTensor(`${call.layer.name}/weights`, weights, [
    outChannels,
    depthwise ? 1 : weights.length / (outChannels * kernelSize[0] * kernelSize[1]),
    ...kernelSize,
  ]);
  const inputs = [input.name, weightName];
  if (bias) inputs.push(builder.addFloatTensor(`${call.layer.name}/bias`, bias, [outChannels]));
  const attributes = [
    attribute.ints('kernel_shape', kernelSize),
    attribute.ints('strides', strides),
    attribute.ints('dilations', dilations),
    attribute.int('group', group),
    ...(autoPad.length > 0 ? autoPad : [attribute.ints('pads', pads)]),
  ];
  const conv: OnnxValue = {
    name: builder.addNode('Conv', inputs, convName, attributes),
    rank: 4,
    channelsFirst: true,
  };
  return applyActivation(context, conv, activation, outputName) ?? conv;
}

interface ConvolutionWeights {
  weights: Float32Array;
  bias: Float32Array | undefined;
  outChannels: number;
  group: number;
}

/** Keras kernels are [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]); ONNX wants [out, in/group, kh, kw]. */
function onnxWeights(
  call: LayerCall,
  config: LayerConfig,
  depthwise: boolean,
  [kh, kw]: [number, number],
): ConvolutionWeights {
  const [kernel, bias] = layerWeights(call);
  const useBias = config.boolean('useBias', true);
  const lastDim = depthwise ? config.number('depthMultiplier', 1) : config.number('filters');
  const inChannels = kernel.length / (kh * kw * lastDim);
  const outChannels = depthwise ? inChannels * lastDim : lastDim;
  const perOutput = depthwise ? 1 : inChannels;
  const weights = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < inChannels; i++) {
        for (let j = 0; j < lastDim; j++) {
          const from = ((y * kw + x) * inChannels + i) * lastDim + j;
          // depthwise: output channel i*multiplier+j reads input channel i only (group i)
          const [out, inner] = depthwise ? [i * lastDim + j, 0] : [j, i];
          weights[((out * perOutput + inner) * kh + y) * kw + x] = kernel[from];
        }
      }
    }
  }
  return {
    weights,
    bias: useBias ? bias : undefined,
    outChannels,
    group: depthwise ? inChannels : 1,
  };
}

/** Folds y = conv(x) * scale + shift into the weights (in place, per output channel); returns the new bias. */
function foldAffine(
  weights: Float32Array,
  bias: Float32Array | undefined,
  affine: ChannelAffine,
  outChannels: number,
): Float32Array {
  const perChannel = weights.length / outChannels;
  const folded = new Float32Array(outChannels);
  for (let out = 0; out < outChannels; out++) {
    for (let k = out * perChannel; k < (out + 1) * perChannel; k++) weights[k] *= affine.scale[out];
    folded[out] = (bias?.[out] ?? 0) * affine.scale[out] + affine.shift[out];
  }
  return folded;
}

function addPads(a: Pads, b: Pads): Pads {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];
}
