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
  const files = isHttpUrl(source) ? httpFiles(source) : folderFiles(source);
  try {
    return await tf.loadLayersModel(modelFilesLoadHandler(files), { strict: true });
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(`could not build the tfjs layers model from ${source}: ${messageOf(error)}`);
  }
}

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** Where `model.json` and its shards are read from: a folder or the URL `model.json` was found at. */
interface ModelFiles {
  /** The path or URL of a file, for messages. */
  locate(name: string): string;
  /** undefined when the file does not exist (other failures throw). */
  read(name: string): Promise<Uint8Array | undefined>;
  /** Checks the container (folder) exists, before looking for files in it. */
  check(): Promise<void>;
}

function folderFiles(folder: string): ModelFiles {
  return {
    locate: (name) => path.join(folder, name),
    read: (name) => fs.readFile(path.join(folder, name)).catch(() => undefined),
    check: async () => {
      const stat = await fs.stat(folder).catch(() => undefined);
      if (!stat?.isDirectory()) throw new ModelLoadError(`model folder ${folder} does not exist`);
    },
  };
}

/** Shard paths in the manifest are relative to the URL of `model.json`, as tfjs' own loader reads them. */
function httpFiles(modelJsonUrl: string): ModelFiles {
  const locate = (name: string) => (name === MODEL_JSON ? modelJsonUrl : new URL(name, modelJsonUrl).href);
  return {
    locate,
    read: async (name) => {
      const url = locate(name);
      const response = await fetch(url).catch((error: unknown) => {
        throw new ModelLoadError(`cannot fetch ${url}: ${messageOf(error)}`);
      });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new ModelLoadError(`cannot fetch ${url}: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    check: async () => undefined,
  };
}

/** A `tf.io` load handler over ModelFiles (no tfjs-node `file://` scheme needed). */
function modelFilesLoadHandler(files: ModelFiles): tf.io.IOHandler {
  return {
    load: async () => {
      await files.check();
      const modelJson = await readModelJson(files);
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(files, manifest));
    },
  };
}

async function readModelJson(files: ModelFiles): Promise<tf.io.ModelJSON> {
  const location = files.locate(MODEL_JSON);
  const bytes = await files.read(MODEL_JSON);
  if (!bytes)
    throw new ModelLoadError(
      `${location} is missing: expected a tfjs layers model (model.json + weight shards)`,
    );
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelLoadError(`${location} is not valid JSON: ${messageOf(error)}`);
  }
  if (!isModelJson(json)) {
    throw new ModelLoadError(
      `${location} is not a tfjs layers model: it needs modelTopology and weightsManifest`,
    );
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelLoadError(`${location} has format '${json.format}', expected 'layers-model'`);
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
  files: ModelFiles,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    let groupBytes = 0;
    for (const shard of group.paths) {
      const data = await files.read(shard);
      if (!data)
        throw new ModelLoadError(`weight shard ${files.locate(shard)} listed in ${MODEL_JSON} is missing`);
      buffers.push(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      groupBytes += data.byteLength;
    }
    const expected = group.weights.reduce((sum, spec) => sum + byteSize(spec), 0);
    if (expected !== groupBytes) {
      throw new ModelLoadError(
        `weight shards ${group.paths.map((shard) => files.locate(shard)).join(', ')} hold ${groupBytes} bytes, ` +
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
