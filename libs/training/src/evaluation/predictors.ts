import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  MASK_MODEL_CONTRACT,
  MaskClassifier,
  ModelCardError,
  OnnxMaskClassifier,
  modelCardPath,
  packBatch,
  verifyModel,
} from '@maskd/inference';
import { initTensorflow } from '../model/backend';
import { loadLayersModelFrom } from '../model/io';
import { readOnnxMetadata } from '../onnx';
import type { EvaluatedModel } from './types';

/*
 * The evaluation scores images through the same `MaskClassifier` interface the service uses, backed by either
 * the exported ONNX model (onnxruntime, what ships) or a tfjs layers model folder (what training produced).
 */

const CONTRACT_CLASS_NAMES: [string, string] = ['with_mask', 'without_mask'];

/** A tfjs LayersModel behind the MaskClassifier interface; one forward pass per `predict` call. */
export class TfjsMaskClassifier implements MaskClassifier {
  constructor(private readonly model: tf.LayersModel) {}

  async predict(inputs: readonly Float32Array[]): Promise<number[]> {
    if (inputs.length === 0) return [];
    const { inputSize, channels } = MASK_MODEL_CONTRACT;
    const probabilities = tf.tidy(() => {
      const batch = tf.tensor4d(packBatch(inputs), [inputs.length, inputSize, inputSize, channels]);
      return (this.model.predict(batch) as tf.Tensor).reshape([-1]);
    });
    try {
      return Array.from(await probabilities.data());
    } finally {
      probabilities.dispose();
    }
  }

  async close(): Promise<void> {
    this.model.dispose();
  }
}

export interface LoadedModel {
  classifier: MaskClassifier;
  model: EvaluatedModel;
}

function parseClassNames(value: unknown): [string, string] | undefined {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((n) => typeof n === 'string')) {
      return parsed as [string, string];
    }
  } catch {
    // Not JSON: fall through to the contract's names.
  }
  return undefined;
}

/** sha256 over a tfjs model folder: model.json, then each weight shard in manifest order. */
export async function tfjsModelSha256(folder: string): Promise<string> {
  const modelJson = await readFile(join(folder, 'model.json'));
  const manifest = (JSON.parse(modelJson.toString('utf8')) as tf.io.ModelJSON).weightsManifest ?? [];
  const hash = createHash('sha256').update(modelJson);
  for (const path of manifest.flatMap((group) => group.paths))
    hash.update(await readFile(join(folder, path)));
  return hash.digest('hex');
}

async function loadOnnx(path: string, warn: (message: string) => void): Promise<LoadedModel> {
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const metadata = readOnnxMetadata(bytes);
  let card: Awaited<ReturnType<typeof verifyModel>> | undefined;
  if (existsSync(modelCardPath(path))) {
    try {
      card = await verifyModel(path);
    } catch (error) {
      if (!(error instanceof ModelCardError)) throw error;
      warn(`Ignoring the model card: ${error.message}`);
    }
  }
  const classifier = await OnnxMaskClassifier.load(path);
  return {
    classifier,
    model: {
      kind: 'onnx',
      path,
      name: card?.card.name ?? basename(path, extname(path)),
      version: card?.card.version ?? metadata.model_version ?? 'unversioned',
      sha256,
      classNames: card?.card.class_names ?? parseClassNames(metadata.class_names) ?? CONTRACT_CLASS_NAMES,
      ...(card ? { cardPath: card.cardPath, cardThreshold: card.card.threshold } : {}),
      ...(typeof card?.card.status === 'string' ? { status: card.card.status } : {}),
      ...(metadata.training_run_id ? { trainingRunId: metadata.training_run_id } : {}),
    },
  };
}

async function loadTfjs(folder: string): Promise<LoadedModel> {
  await initTensorflow();
  const layersModel = await loadLayersModelFrom(folder);
  const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const meta = (modelJson.userDefinedMetadata ?? {}) as Record<string, unknown>;
  return {
    classifier: new TfjsMaskClassifier(layersModel),
    model: {
      kind: 'tfjs',
      path: folder,
      // A run's model sits in training/runs/<run id>/<folder>: name it after the run.
      name: typeof meta.name === 'string' ? meta.name : `${basename(dirname(folder))}/${basename(folder)}`,
      version: typeof meta.model_version === 'string' ? meta.model_version : 'unversioned',
      sha256: await tfjsModelSha256(folder),
      classNames: parseClassNames(meta.class_names) ?? CONTRACT_CLASS_NAMES,
      ...(typeof meta.training_run_id === 'string' ? { trainingRunId: meta.training_run_id } : {}),
    },
  };
}

/**
 * Loads the model to evaluate: an `.onnx` file (with its model card when one sits next to it and matches) or
 * a tfjs layers model folder (`model.json` + shards). Errors name the path and what is wrong.
 */
export async function loadEvaluatedModel(
  modelPath: string,
  warn: (message: string) => void = console.warn,
): Promise<LoadedModel> {
  const path = resolve(modelPath);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new Error(`Model not found: ${modelPath}`);
  if (info.isFile() && extname(path).toLowerCase() === '.onnx') return loadOnnx(path, warn);
  if (info.isDirectory() && existsSync(join(path, 'model.json'))) return loadTfjs(path);
  throw new Error(`${modelPath} is neither an .onnx file nor a tfjs model folder with a model.json`);
}
