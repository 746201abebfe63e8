import type { ConversionContext, LayerCall, LayerConverter, OnnxValue } from '../conversion-context';
import { attribute } from '../graph-builder';
import { LayerConfig } from '../layer-config';

/** Brings every input to one layout: NCHW if any rank-4 input already is, else Keras layout. */
function alignedInputs(call: LayerCall, context: ConversionContext): OnnxValue[] {
  const values = call.inputs.map((tensor) => context.value(tensor));
  if (new Set(values.map((value) => value.rank)).size > 1) {
    throw new LayerConfig(call).unsupported('inputs of different ranks (broadcasting) are not supported');
  }
  const channelsFirst = values.some((value) => value.channelsFirst);
  return values.map((value) =>
    channelsFirst ? context.toChannelsFirst(value) : context.toKerasLayout(value),
  );
}

/** Element-wise merges; ONNX Sum/Max/Min/Mean take any number of inputs, Mul is chained. */
function elementwise(opType: 'Sum' | 'Max' | 'Min' | 'Mean' | 'Mul'): LayerConverter {
  return (call, context) => {
    const inputs = alignedInputs(call, context);
    const { builder } = context;
    const name = call.layer.name;
    let output: string;
    if (opType === 'Sum' && inputs.length === 2) {
      output = builder.addNode('Add', [inputs[0].name, inputs[1].name], name);
    } else if (opType === 'Mul') {
      output = inputs[0].name;
      inputs.slice(1).forEach((input, index) => {
        const last = index === inputs.length - 2;
        output = builder.addNode('Mul', [output, input.name], last ? name : `${name}_${index}`);
      });
    } else {
      output = builder.addNode(
        opType,
        inputs.map((input) => input.name),
        name,
      );
    }
    return { ...inputs[0], name: output };
  };
}

export const convertAdd = elementwise('Sum');
export const convertMultiply = elementwise('Mul');
export const convertMaximum = elementwise('Max');
export const convertMinimum = elementwise('Min');
export const convertAverage = elementwise('Mean');

export const convertConcatenate: LayerConverter = (call, context) => {
  const inputs = alignedInputs(call, context);
  const axis = context.onnxAxis(inputs[0], new LayerConfig(call).number('axis', -1));
  const output = context.builder.addNode(
    'Concat',
    inputs.map((input) => input.name),
    call.layer.name,
    [attribute.int('axis', axis)],
  );
  return { ...inputs[0], name: output };
};
