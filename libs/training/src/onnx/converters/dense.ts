import type { LayerConverter, OnnxValue } from '../conversion-context';
import { LayerConfig, layerWeights } from '../layer-config';
import { applyActivation, SUPPORTED_ACTIVATIONS } from './activation';

/**
 * `Dense`: Gemm on rank-2 inputs; on higher ranks (Dense applies to the last Keras axis) MatMul + Add in
 * Keras layout. The kernel is [in, out] in both Keras and ONNX, so no transpose is needed.
 */
export const convertDense: LayerConverter = (call, context) => {
  const config = new LayerConfig(call);
  const activation = config.string('activation', 'linear');
  if (!SUPPORTED_ACTIVATIONS.includes(activation)) throw config.unsupported(`activation '${activation}'`);
  const [kernel, bias] = layerWeights(call);
  const units = config.number('units');
  const useBias = config.boolean('useBias', true);

  const { builder } = context;
  const name = call.layer.name;
  const linearName = activation === 'linear' ? name : `${name}_linear`;
  const kernelName = builder.addFloatTensor(`${name}/kernel`, kernel, [kernel.length / units, units]);
  const biasName = useBias ? builder.addFloatTensor(`${name}/bias`, bias, [units]) : undefined;
  const input = context.toKerasLayout(context.value(call.inputs[0]));

  let linear: string;
  if (input.rank === 2) {
    linear = builder.addNode(
      'Gemm',
      biasName ? [input.name, kernelName, biasName] : [input.name, kernelName],
      linearName,
    );
  } else if (biasName) {
    const product = builder.addNode('MatMul', [input.name, kernelName], `${name}_matmul`);
    linear = builder.addNode('Add', [product, biasName], linearName);
  } else {
    linear = builder.addNode('MatMul', [input.name, kernelName], linearName);
  }
  const output: OnnxValue = { name: linear, rank: input.rank, channelsFirst: false };
  return applyActivation(context, output, activation, name) ?? output;
};
