import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { version as maskdVersion } from '../../package.json';
import { ConversionContext, type OnnxValue } from './conversion-context';
import { LAYER_CONVERTERS } from './converters';
import { OnnxExportError } from './errors';
import { OnnxGraphBuilder } from './graph-builder';
import { onnx } from './proto/onnx';

/** Opset 13: Clip bounds, Pad pads and Reshape shapes are inputs; Softmax works on one axis. */
export const ONNX_OPSET = 13;
/** IR version 7 is the one released with opset 13, so older runtimes load the file too. */
const IR_VERSION = 7;
const BATCH_DIM = 'batch';

/** What the model means, stored as ONNX metadata_props (strings; lists as JSON). */
export interface OnnxModelMetadata {
  /** Class names in output index order, e.g. ["with_mask", "without_mask"]. */
  classNames?: readonly string[];
  /** e.g. `x/127.5-1` */
  normalization?: string;
  /** How images are fitted to the input size, e.g. `squash`. */
  resizeMode?: string;
  modelVersion?: string;
  trainingRunId?: string;
  /** Further key/value pairs, written as given. */
  extra?: Readonly<Record<string, string>>;
}

export interface OnnxExportOptions {
  /** ONNX names of the model inputs, in `model.inputs` order. Default: `input` (then `input_1`, ...). */
  inputNames?: readonly string[];
  /** ONNX names of the model outputs, in `model.outputs` order. Default for one output: `probability`. */
  outputNames?: readonly string[];
  metadata?: OnnxModelMetadata;
  /** Free text stored as the model's doc_string. */
  description?: string;
}

/**
 * Converts a tfjs LayersModel (any functional graph of supported layers, nested models included) to ONNX
 * (opset 13). Inputs stay NHWC as in tfjs, with a dynamic batch dimension; the graph transposes once to NCHW
 * and rank-4 outputs come back as NHWC, so onnxruntime and tfjs take and give the same tensors.
 */
export function exportToOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const builder = new OnnxGraphBuilder();
  const inputNames = tensorNames(model.inputs.length, options.inputNames, (i) =>
    i === 0 ? 'input' : `input_${i}`,
  );
  const outputNames = tensorNames(model.outputs.length, options.outputNames, (i) => {
    if (model.outputs.length === 1) return 'probability';
    throw new OnnxExportError(
      `the model has ${model.outputs.length} outputs: pass outputNames (missing #${i})`,
    );
  });
  [...inputNames, ...outputNames].forEach((name) => builder.claimName(name));

  const inputs: OnnxValue[] = model.inputs.map((tensor, i) => ({
    name: inputNames[i],
    rank: tensor.shape.length,
    channelsFirst: false,
  }));
  const context = new ConversionContext(builder, LAYER_CONVERTERS, model, inputs);
  model.outputs.forEach((tensor, i) => {
    const value = context.toKerasLayout(context.value(tensor));
    builder.addNode('Identity', [value.name], outputNames[i], [], outputNames[i]);
  });

  const graph: onnx.IGraphProto = {
    name: model.name,
    node: builder.nodes,
    initializer: builder.initializers,
    input: model.inputs.map((tensor, i) => valueInfo(inputNames[i], tensor.shape)),
    output: model.outputs.map((tensor, i) => valueInfo(outputNames[i], tensor.shape)),
  };
  const message: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'maskd',
    producerVersion: maskdVersion,
    docString: options.description ?? `tfjs model '${model.name}' exported by maskd`,
    graph,
    metadataProps: metadataProps(model, options.metadata),
  };
  return onnx.ModelProto.encode(message).finish();
}

export interface WrittenOnnx {
  file: string;
  bytes: number;
  sha256: string;
}

/** Exports `model` and writes it to `file` (parent folders created; written atomically). */
export function writeOnnx(
  model: tf.LayersModel,
  file: string,
  options: OnnxExportOptions = {},
): Promise<WrittenOnnx> {
  return writeOnnxFile(exportToOnnx(model, options), file);
}

/** Writes exported ONNX bytes to `file` (parent folders created; written atomically). */
export async function writeOnnxFile(bytes: Uint8Array, file: string): Promise<WrittenOnnx> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, bytes);
  await fs.rename(temporary, file);
  return { file, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Reads back the metadata_props of an ONNX file's bytes (onnxruntime-node does not expose them). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(model.metadataProps.map((entry) => [entry.key, entry.value]));
}

function tensorNames(
  count: number,
  given: readonly string[] | undefined,
  fallback: (i: number) => string,
): string[] {
  if (given && given.length !== count) {
    throw new OnnxExportError(`got ${given.length} tensor names for ${count} model tensors`);
  }
  return Array.from({ length: count }, (_, i) => given?.[i] ?? fallback(i));
}

function valueInfo(name: string, shape: readonly (number | null)[]): onnx.IValueInfoProto {
  const dim = shape.map((size, axis): onnx.TensorShapeProto.IDimension => {
    if (axis === 0) return { dimParam: BATCH_DIM };
    return size === null ? { dimParam: `${name}_dim${axis}` } : { dimValue: size };
  });
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } };
}

function metadataProps(
  model: tf.LayersModel,
  metadata: OnnxModelMetadata = {},
): onnx.IStringStringEntryProto[] {
  const inputShape = model.inputs[0]?.shape ?? [];
  const props: Record<string, string | undefined> = {
    class_names: metadata.classNames && JSON.stringify(metadata.classNames),
    input_size: inputShape.length === 4 ? JSON.stringify(inputShape.slice(1, 3)) : undefined,
    input_layout: inputShape.length === 4 ? 'NHWC' : undefined,
    normalization: metadata.normalization,
    resize_mode: metadata.resizeMode,
    model_version: metadata.modelVersion,
    training_run_id: metadata.trainingRunId,
    producer: `maskd ${maskdVersion} (tfjs ${tf.version.tfjs})`,
    ...metadata.extra,
  };
  return Object.entries(props)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ({ key, value }));
}
