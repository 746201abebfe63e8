import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A tfjs layers model folder (`model.json` + weight shards) or an http(s) URL of a `model.json`. */
export type ModelSource = string;

const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

export function isHttpUrl(source: ModelSource): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Loads a tfjs layers model from a local folder or an http(s) URL of its `model.json`.
 * Errors name the source and the problem: missing folder or file, invalid JSON, missing shard,
 * weight data of the wrong size, or weights that do not fit the topology.
 */
export async function loadLayersModelFrom(source: ModelSource): Promise<tf.LayersModel> {
  const handler = isHttpUrl(source) ? tf.io.http(source) : fileSystemLoadHandler(source);
  try {
    return await tf.loadLayersModel(handler, { strict: true });
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(`could not build the tfjs layers model from ${source}: ${messageOf(error)}`);
  }
}

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** A `tf.io` load handler reading `model.json` and its shards from a folder (no tfjs-node `file://` needed). */
export function fileSystemLoadHandler(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const modelJson = await readModelJson(folder);
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(folder, manifest));
    },
  };
}

async function readModelJson(folder: string): Promise<tf.io.ModelJSON> {
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new ModelLoadError(`model folder ${folder} does not exist`);
  const file = path.join(folder, MODEL_JSON);
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new ModelLoadError(`${file} is missing: expected a tfjs layers model (model.json + weight shards)`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`${file} is not valid JSON: ${messageOf(error)}`);
  }
  if (!isModelJson(json)) {
    throw new ModelLoadError(
      `${file} is not a tfjs layers model: it needs modelTopology and weightsManifest`,
    );
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelLoadError(`${file} has format '${json.format}', expected 'layers-model'`);
  }
  return json;
}

function isModelJson(json: unknown): json is tf.io.ModelJSON {
  if (typeof json !== 'object' || json === null) return false;
  const candidate = json as Partial<tf.io.ModelJSON>;
  return (
    typeof candidate.modelTopology === 'object' &&
    candidate.modelTopology !== null &&
    Array.isArray(candidate.weightsManifest) &&
    candidate.weightsManifest.every((group) => Array.isArray(group?.paths) && Array.isArray(group?.weights))
  );
}

async function readWeights(
  folder: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    let groupBytes = 0;
    for (const shard of group.paths) {
      const file = path.join(folder, shard);
      const data = await fs.readFile(file).catch(() => {
        throw new ModelLoadError(`weight shard ${file} listed in ${MODEL_JSON} is missing`);
      });
      buffers.push(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      groupBytes += data.byteLength;
    }
    const expected = group.weights.reduce((sum, spec) => sum + byteSize(spec), 0);
    if (expected !== groupBytes) {
      throw new ModelLoadError(
        `weight shards ${group.paths.join(', ')} in ${folder} hold ${groupBytes} bytes, ` +
          `but ${MODEL_JSON} describes ${expected} bytes: the shards do not belong to this model.json`,
      );
    }
    specs.push(...group.weights);
  }
  return [specs, tf.io.concatenateArrayBuffers(buffers)];
}

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES_PER_VALUE[dtype];
  if (bytes === undefined) throw new ModelLoadError(`weight ${spec.name} has unsupported dtype ${dtype}`);
  return spec.shape.reduce((product, dim) => product * dim, 1) * bytes;
}

/** Saves a layers model to `folder` as `model.json` + `weights.bin` (the folder is created). */
export async function saveLayersModel(model: tf.LayersModel, folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ?? new ArrayBuffer(0);
      const weights = tf.io.CompositeArrayBuffer.join(Array.isArray(weightData) ? weightData : [weightData]);
      const modelJson: tf.io.ModelJSON = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFileAtomic(path.join(folder, WEIGHTS_FILE), new Uint8Array(weights));
      // model.json last, so a folder with a model.json always has its weights.
      await writeFileAtomic(path.join(folder, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, data);
  await fs.rename(temporary, file);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
