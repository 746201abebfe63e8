import type { LayerConverter } from '../conversion-context';
import { attribute, type Attribute } from '../graph-builder';
import { LayerConfig, spatialSize } from '../layer-config';
import { padsForSame } from './padding';

/** GlobalAveragePooling2D / GlobalMaxPooling2D: the ONNX global pool ([N, C, 1, 1]) flattened to [N, C]. */
function globalPooling(opType: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (call, context) => {
    new LayerConfig(call).requireChannelsLast();
    const input = context.toChannelsFirst(context.value(call.inputs[0]));
    const pooled = context.builder.addNode(opType, [input.name], `${call.layer.name}_pool`);
    const output = context.builder.addNode('Flatten', [pooled], call.layer.name, [attribute.int('axis', 1)]);
    return { name: output, rank: 2, channelsFirst: false };
  };
}

/** MaxPooling2D / AveragePooling2D. ONNX AveragePool excludes padding from the mean by default, as TF does. */
function pooling(opType: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (call, context) => {
    const config = new LayerConfig(call);
    config.requireChannelsLast();
    const poolSize = config.pair('poolSize');
    const strides = config.has('strides') ? config.pair('strides') : poolSize;
    const padding = config.string('padding', 'valid');
    const attributes: Attribute[] = [
      attribute.ints('kernel_shape', poolSize),
      attribute.ints('strides', strides),
    ];
    if (padding === 'same') {
      const size = spatialSize(call.inputs[0]);
      attributes.push(
        size
          ? attribute.ints('pads', padsForSame(size, poolSize, strides, [1, 1]))
          : attribute.string('auto_pad', 'SAME_UPPER'),
      );
    } else if (padding !== 'valid') {
      throw config.unsupported(`padding '${padding}'`);
    }
    const input = context.toChannelsFirst(context.value(call.inputs[0]));
    return { ...input, name: context.builder.addNode(opType, [input.name], call.layer.name, attributes) };
  };
}

export const convertGlobalAveragePooling2D = globalPooling('GlobalAveragePool');
export const convertGlobalMaxPooling2D = globalPooling('GlobalMaxPool');
export const convertMaxPooling2D = pooling('MaxPool');
export const convertAveragePooling2D = pooling('AveragePool');
