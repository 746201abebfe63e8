import { onnx } from './proto/onnx';

export type Attribute = onnx.IAttributeProto;
const AttributeType = onnx.AttributeProto.AttributeType;

export const attribute = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): Attribute => ({
    name,
    type: AttributeType.INTS,
    ints: [...ints],
  }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: AttributeType.STRING, s: utf8(s) }),
};

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Collects the nodes and initializers of one ONNX graph. Every value gets a unique name derived from the
 * Keras layer that produced it, so the exported graph reads like the tfjs model.
 */
export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly usedNames = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** Claims `name` exactly (graph inputs and outputs); fails if it is taken. */
  claimName(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`ONNX value name '${name}' is used twice`);
    this.usedNames.add(name);
    return name;
  }

  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'value';
    let name = clean;
    for (let suffix = 1; this.usedNames.has(name); suffix++) name = `${clean}_${suffix}`;
    this.usedNames.add(name);
    return name;
  }

  /**
   * Adds a single-output node and returns its output name: unique, derived from `baseName`, or exactly
   * `claimedName` (a graph output name claimed up front with `claimName`).
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    baseName: string,
    attributes: Attribute[] = [],
    claimedName?: string,
  ): string {
    const output = claimedName ?? this.uniqueName(baseName);
    this.nodes.push({ opType, input: [...inputs], output: [output], name: output, attribute: attributes });
    return output;
  }

  addFloatTensor(baseName: string, values: Float32Array, dims: readonly number[]): string {
    const name = this.uniqueName(baseName);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [...dims],
      rawData: littleEndianBytes(values),
    });
    return name;
  }

  addInt64Tensor(baseName: string, values: readonly number[], dims: readonly number[]): string {
    const name = this.uniqueName(baseName);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [...dims],
      rawData: littleEndianBytes(BigInt64Array.from(values, (value) => BigInt(value))),
    });
    return name;
  }

  /** A shared float32 scalar initializer (Clip bounds and the like). */
  floatScalar(value: number): string {
    return this.cached(`f32:${value}`, () =>
      this.addFloatTensor(`const_${value}`, Float32Array.of(value), []),
    );
  }

  /** A shared int64 vector initializer (pads, shapes). */
  int64Vector(values: readonly number[]): string {
    return this.cached(`i64:${values.join(',')}`, () =>
      this.addInt64Tensor(`const_i64_${values.length}`, values, [values.length]),
    );
  }

  private cached(key: string, create: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = create();
      this.constants.set(key, name);
    }
    return name;
  }
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** ONNX raw_data is little-endian whatever the host. */
function littleEndianBytes(values: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const swapped = new Uint8Array(bytes.length);
  const width = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) swapped[i + j] = bytes[i + width - 1 - j];
  }
  return swapped;
}
