import * as tf from '@tensorflow/tfjs';
import { UnsupportedLayerError, OnnxExportError } from './errors';
import { attribute, OnnxGraphBuilder } from './graph-builder';

/**
 * An ONNX value standing for a Keras tensor. Rank-4 tensors are NHWC in Keras; in ONNX they are kept NCHW
 * (`channelsFirst`) between convolutions, and transposed back only where a layer needs Keras' layout.
 */
export interface OnnxValue {
  readonly name: string;
  readonly rank: number;
  readonly channelsFirst: boolean;
}

/** One call of a layer inside the exported graph. */
export interface LayerCall {
  readonly layer: tf.layers.Layer;
  readonly className: string;
  readonly inputs: readonly tf.SymbolicTensor[];
  readonly outputs: readonly tf.SymbolicTensor[];
}

export type LayerConverter = (call: LayerCall, context: ConversionContext) => OnnxValue | OnnxValue[];

const TO_CHANNELS_FIRST = [0, 3, 1, 2];
const TO_CHANNELS_LAST = [0, 2, 3, 1];

/** A (possibly nested) functional model being converted, with the ONNX values bound to its inputs. */
interface Scope {
  readonly model: tf.LayersModel;
  readonly bindings: ReadonlyMap<tf.SymbolicTensor, OnnxValue>;
  readonly values: Map<tf.SymbolicTensor, OnnxValue>;
  readonly consumers: ReadonlyMap<tf.SymbolicTensor, number>;
}

/**
 * Converts Keras tensors to ONNX values on demand, walking the layer graph back from the outputs. Lazy
 * conversion lets a converter fuse its producer (e.g. batch-norm into the convolution before it): a
 * fused producer's own output is never requested, so it is never emitted.
 */
export class ConversionContext {
  private scope: Scope;
  private readonly layoutCache = new Map<string, OnnxValue>();
  private readonly nestedScopes = new Map<object, Scope>();

  constructor(
    readonly builder: OnnxGraphBuilder,
    private readonly converters: Readonly<Record<string, LayerConverter>>,
    model: tf.LayersModel,
    inputs: readonly OnnxValue[],
  ) {
    this.scope = createScope(model, inputs);
  }

  /** The ONNX value of a Keras tensor, converting whatever produces it. */
  value(tensor: tf.SymbolicTensor): OnnxValue {
    const bound = this.scope.bindings.get(tensor) ?? this.scope.values.get(tensor);
    if (bound) return bound;
    const layer = tensor.sourceLayer;
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (!node || node.inputTensors.length === 0) {
      throw new OnnxExportError(
        `tensor '${tensor.name}' of layer '${layer.name}' is not connected to a model input`,
      );
    }
    const outputs =
      layer instanceof tf.LayersModel ? this.convertNested(layer, node) : this.convertLayer(node);
    node.outputTensors.forEach((output, index) => this.scope.values.set(output, outputs[index]));
    return outputs[tensor.tensorIndex];
  }

  /** The layer call producing `tensor`, or undefined at a model input or the boundary of a nested model. */
  producer(tensor: tf.SymbolicTensor): LayerCall | undefined {
    if (this.scope.bindings.has(tensor) || tensor.sourceLayer instanceof tf.LayersModel) return undefined;
    const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
    return node && node.inputTensors.length > 0 ? layerCall(node) : undefined;
  }

  /** How many layer calls (and model outputs) use `tensor` within the graph being exported. */
  consumers(tensor: tf.SymbolicTensor): number {
    return this.scope.consumers.get(tensor) ?? 0;
  }

  toChannelsFirst(value: OnnxValue): OnnxValue {
    if (value.rank !== 4 || value.channelsFirst) return value;
    return this.transposed(value, TO_CHANNELS_FIRST, true);
  }

  toKerasLayout(value: OnnxValue): OnnxValue {
    if (!value.channelsFirst) return value;
    return this.transposed(value, TO_CHANNELS_LAST, false);
  }

  /** Maps a Keras axis (NHWC order, negative allowed) to the axis of `value`'s ONNX layout. */
  onnxAxis(value: OnnxValue, kerasAxis: number): number {
    const axis = kerasAxis < 0 ? kerasAxis + value.rank : kerasAxis;
    if (axis < 0 || axis >= value.rank)
      throw new OnnxExportError(`axis ${kerasAxis} is out of range for rank ${value.rank}`);
    return value.channelsFirst ? TO_CHANNELS_LAST[axis] : axis;
  }

  private transposed(value: OnnxValue, perm: number[], channelsFirst: boolean): OnnxValue {
    const key = `${value.name}|${perm.join()}`;
    let result = this.layoutCache.get(key);
    if (!result) {
      const suffix = channelsFirst ? 'nchw' : 'nhwc';
      const name = this.builder.addNode('Transpose', [value.name], `${value.name}_${suffix}`, [
        attribute.ints('perm', perm),
      ]);
      result = { name, rank: value.rank, channelsFirst };
      this.layoutCache.set(key, result);
    }
    return result;
  }

  private convertLayer(node: tf.layers.Layer['inboundNodes'][number]): OnnxValue[] {
    const call = layerCall(node);
    const converter = this.converters[call.className];
    if (!converter) {
      const supported = Object.keys(this.converters).sort().join(', ');
      throw new UnsupportedLayerError(
        call.layer.name,
        call.className,
        `no converter (supported: ${supported})`,
      );
    }
    const result = converter(call, this);
    const outputs = Array.isArray(result) ? result : [result];
    if (outputs.length !== call.outputs.length) {
      throw new OnnxExportError(`converter for ${call.className} returned ${outputs.length} outputs`);
    }
    return outputs;
  }

  /** Inlines a model used as a layer: its graph is converted with its inputs bound to the caller's values. */
  private convertNested(model: tf.LayersModel, node: tf.layers.Layer['inboundNodes'][number]): OnnxValue[] {
    let inner = this.nestedScopes.get(node);
    if (!inner) {
      inner = createScope(
        model,
        node.inputTensors.map((tensor) => this.value(tensor)),
      );
      this.nestedScopes.set(node, inner);
    }
    const outer = this.scope;
    this.scope = inner;
    try {
      return model.outputs.map((output) => this.value(output));
    } finally {
      this.scope = outer;
    }
  }
}

function layerCall(node: tf.layers.Layer['inboundNodes'][number]): LayerCall {
  const layer = node.outboundLayer;
  return { layer, className: layer.getClassName(), inputs: node.inputTensors, outputs: node.outputTensors };
}

function createScope(model: tf.LayersModel, inputs: readonly OnnxValue[]): Scope {
  if (inputs.length !== model.inputs.length) {
    throw new OnnxExportError(
      `model '${model.name}' takes ${model.inputs.length} inputs, got ${inputs.length}`,
    );
  }
  return {
    model,
    bindings: new Map(model.inputs.map((tensor, index) => [tensor, inputs[index]])),
    values: new Map(),
    consumers: countConsumers(model),
  };
}

/** Uses of each tensor by the layer calls reachable from the model's outputs (an output counts as a use). */
function countConsumers(model: tf.LayersModel): Map<tf.SymbolicTensor, number> {
  const counts = new Map<tf.SymbolicTensor, number>();
  const increment = (tensor: tf.SymbolicTensor) => counts.set(tensor, (counts.get(tensor) ?? 0) + 1);
  const visited = new Set<object>();
  const pending = [...model.outputs];
  model.outputs.forEach(increment);
  const inputs = new Set(model.inputs);
  for (let tensor = pending.pop(); tensor; tensor = pending.pop()) {
    if (inputs.has(tensor)) continue;
    const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
    if (!node || visited.has(node)) continue;
    visited.add(node);
    for (const input of node.inputTensors) {
      increment(input);
      pending.push(input);
    }
  }
  return counts;
}
