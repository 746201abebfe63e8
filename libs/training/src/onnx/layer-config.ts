import type * as tf from '@tensorflow/tfjs';
import { UnsupportedLayerError } from './errors';
import type { LayerCall } from './conversion-context';

/** Typed reads of a layer's `getConfig()` that fail with the layer's name when a value has the wrong type. */
export class LayerConfig {
  private readonly config: tf.serialization.ConfigDict;

  constructor(private readonly call: LayerCall) {
    this.config = call.layer.getConfig();
  }

  unsupported(detail: string): UnsupportedLayerError {
    return new UnsupportedLayerError(this.call.layer.name, this.call.className, detail);
  }

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  number(key: string, fallback?: number): number {
    const value = this.config[key] ?? fallback;
    if (typeof value !== 'number')
      throw this.unsupported(`config '${key}' is ${JSON.stringify(value)}, not a number`);
    return value;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const value = this.config[key] ?? fallback;
    if (typeof value !== 'boolean')
      throw this.unsupported(`config '${key}' is ${JSON.stringify(value)}, not a boolean`);
    return value;
  }

  string(key: string, fallback?: string): string {
    const value = this.config[key] ?? fallback;
    if (typeof value !== 'string')
      throw this.unsupported(`config '${key}' is ${JSON.stringify(value)}, not a string`);
    return value;
  }

  numbers(key: string): number[] {
    const value = this.config[key];
    const list = typeof value === 'number' ? [value] : value;
    if (!Array.isArray(list) || !list.every((item): item is number => typeof item === 'number')) {
      throw this.unsupported(`config '${key}' is ${JSON.stringify(value)}, not a list of numbers`);
    }
    return list;
  }

  /** A 2-D size given as a number or a pair ([height, width]). */
  pair(key: string, fallback?: number): [number, number] {
    if (!this.has(key) && fallback !== undefined) return [fallback, fallback];
    const list = this.numbers(key);
    if (list.length === 1) return [list[0], list[0]];
    if (list.length !== 2) throw this.unsupported(`config '${key}' has ${list.length} values, expected 2`);
    return [list[0], list[1]];
  }

  /** Only channels-last (the Keras and tfjs default) is supported; ONNX layout is handled by the exporter. */
  requireChannelsLast(): void {
    const format = this.config.dataFormat;
    if (format !== undefined && format !== null && format !== 'channelsLast') {
      throw this.unsupported(`dataFormat '${String(format)}' is not supported (only channelsLast)`);
    }
  }
}

/** Copies of the layer's weights as float32 arrays, in `getWeights()` order (the tensors are the live variables). */
export function layerWeights(call: LayerCall): Float32Array[] {
  return call.layer.getWeights().map((tensor) => Float32Array.from(tensor.dataSync()));
}

/** The static [height, width] of a rank-4 NHWC Keras tensor, or undefined where a dimension is dynamic. */
export function spatialSize(tensor: tf.SymbolicTensor): [number, number] | undefined {
  const [, height, width] = tensor.shape;
  return typeof height === 'number' && typeof width === 'number' ? [height, width] : undefined;
}
