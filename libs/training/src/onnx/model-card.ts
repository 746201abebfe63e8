import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WrittenOnnx } from './export';
import { ONNX_OPSET } from './export';

/** The fields of `models/<name>.json` that describe how to call the model (docs/architecture.md). */
export interface MaskModelCardInput {
  name: string;
  version: string;
  onnx: WrittenOnnx;
  classNames: readonly [string, string];
  inputSize: number;
  normalization: string;
  resizeMode: string;
  threshold?: number;
  /** e.g. "untrained bootstrap model", "trained". */
  status: string;
  description: string;
  trainingRunId?: string;
  architecture: Record<string, unknown>;
  provenance: Record<string, unknown>;
  licenses: Record<string, string>;
  metrics?: Record<string, unknown>;
}

/** The model card JSON (snake_case, as the API's model registry reads it). */
export function maskModelCard(input: MaskModelCardInput): Record<string, unknown> {
  return {
    name: input.name,
    version: input.version,
    status: input.status,
    description: input.description,
    file: path.basename(input.onnx.file),
    sha256: input.onnx.sha256,
    size_bytes: input.onnx.bytes,
    format: { type: 'onnx', opset: ONNX_OPSET },
    input: {
      name: 'input',
      dtype: 'float32',
      shape: ['N', input.inputSize, input.inputSize, 3],
      layout: 'NHWC',
      color: 'RGB',
      normalization: input.normalization,
      resize_mode: input.resizeMode,
    },
    output: {
      name: 'probability',
      dtype: 'float32',
      shape: ['N', 1],
      meaning: `P(${input.classNames[1]}), sigmoid`,
    },
    class_names: input.classNames,
    threshold: input.threshold ?? 0.5,
    ...(input.metrics ? { metrics: input.metrics } : {}),
    training_run_id: input.trainingRunId ?? null,
    architecture: input.architecture,
    provenance: input.provenance,
    licenses: input.licenses,
  };
}

/** Writes the card next to the ONNX file: `<dir>/<name>.json` for `<dir>/<name>.onnx`. */
export async function writeModelCard(card: Record<string, unknown>, onnxFile: string): Promise<string> {
  const file = path.join(path.dirname(onnxFile), `${path.basename(onnxFile, path.extname(onnxFile))}.json`);
  await fs.writeFile(file, `${JSON.stringify(card, null, 2)}\n`);
  return file;
}
