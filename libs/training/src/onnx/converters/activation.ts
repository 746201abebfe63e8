import type { ConversionContext, LayerConverter, OnnxValue } from '../conversion-context';
import { attribute } from '../graph-builder';
import { LayerConfig } from '../layer-config';

const UNARY_OPS: Readonly<Record<string, string>> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  elu: 'Elu', // alpha 1, as tfjs
  selu: 'Selu', // ONNX defaults are tfjs' constants
  softplus: 'Softplus',
  softsign: 'Softsign',
};

export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu6',
  'softmax',
  'swish',
  'hardSigmoid',
  ...Object.keys(UNARY_OPS),
];

/**
 * Applies a Keras activation (as `serializeActivation` names it) to `value`. Returns undefined for an
 * activation this exporter does not know, so the caller can name its layer in the error.
 */
export function applyActivation(
  context: ConversionContext,
  value: OnnxValue,
  activation: string,
  baseName: string,
): OnnxValue | undefined {
  const { builder } = context;
  const result = (name: string): OnnxValue => ({ ...value, name });
  const name = `${baseName}_${activation}`;
  if (activation === 'linear') return value;
  if (UNARY_OPS[activation]) return result(builder.addNode(UNARY_OPS[activation], [value.name], name));
  switch (activation) {
    case 'relu6':
      return clip(context, value, 0, 6, name);
    case 'softmax':
      return softmax(context, value, -1, name);
    case 'hardSigmoid':
      return result(
        builder.addNode('HardSigmoid', [value.name], name, [
          attribute.float('alpha', 0.2),
          attribute.float('beta', 0.5),
        ]),
      );
    case 'swish': {
      const sigmoid = builder.addNode('Sigmoid', [value.name], `${name}_sigmoid`);
      return result(builder.addNode('Mul', [value.name, sigmoid], name));
    }
    default:
      return undefined;
  }
}

/** Opset 13 Clip takes its bounds as inputs (scalar initializers), not attributes. */
function clip(
  context: ConversionContext,
  value: OnnxValue,
  min: number,
  max: number,
  name: string,
): OnnxValue {
  const { builder } = context;
  const output = builder.addNode(
    'Clip',
    [value.name, builder.floatScalar(min), builder.floatScalar(max)],
    name,
  );
  return { ...value, name: output };
}

function softmax(context: ConversionContext, value: OnnxValue, kerasAxis: number, name: string): OnnxValue {
  const axis = context.onnxAxis(value, kerasAxis);
  return {
    ...value,
    name: context.builder.addNode('Softmax', [value.name], name, [attribute.int('axis', axis)]),
  };
}

/** `Activation` layer. */
export const convertActivation: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const activation = config.string('activation');
  const output = applyActivation(context, context.value(call.inputs[0]), activation, call.layer.name);
  if (!output)
    throw config.unsupported(`activation '${activation}' (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  return output;
};

/** `ReLU` layer: Relu, or Clip(0, maxValue) for ReLU6 and other capped variants. */
export const convertReLU: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const input = context.value(call.inputs[0]);
  if (config.has('maxValue')) return clip(context, input, 0, config.number('maxValue'), call.layer.name);
  return { ...input, name: context.builder.addNode('Relu', [input.name], call.layer.name) };
};

export const convertLeakyReLU: LayerConverter = (call, context) => {
  const alpha = new LayerConfig(call).number('alpha', 0.3);
  const input = context.value(call.inputs[0]);
  const output = context.builder.addNode('LeakyRelu', [input.name], call.layer.name, [
    attribute.float('alpha', alpha),
  ]);
  return { ...input, name: output };
};

export const convertELU: LayerConverter = (call, context) => {
  const alpha = new LayerConfig(call).number('alpha', 1);
  const input = context.value(call.inputs[0]);
  const output = context.builder.addNode('Elu', [input.name], call.layer.name, [
    attribute.float('alpha', alpha),
  ]);
  return { ...input, name: output };
};

/** `Softmax` layer over one axis (a list of several axes has no single ONNX op). */
export const convertSoftmax: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const axes = config.has('axis') ? config.numbers('axis') : [-1];
  if (axes.length !== 1) throw config.unsupported(`softmax over several axes (${axes.join(', ')})`);
  return softmax(context, context.value(call.inputs[0]), axes[0], call.layer.name);
};
