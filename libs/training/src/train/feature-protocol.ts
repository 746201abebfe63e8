import type { AugmentationConfig } from './config';

/** What the frozen-feature worker needs at start. */
export interface FeatureWorkerData {
  /** Training images, decoded once and kept in memory (augmented differently every epoch). */
  trainPaths: string[];
  inputSize: number;
  augmentation: AugmentationConfig;
  seed: number;
}

export type FeatureRequest =
  | { type: 'load-model'; id: number; onnx: Uint8Array; threads: number }
  | { type: 'decode'; id: number }
  | { type: 'train-batch'; id: number; indices: number[]; epoch: number; augment: boolean }
  | { type: 'file-batch'; id: number; paths: string[] };

/** Time spent per stage of one request, for the producer throughput in the logs. */
export interface FeatureTimings {
  images: number;
  /** Decoding, augmentation and the shared toModelInput, in ms. */
  prepareMs: number;
  /** onnxruntime, in ms. */
  inferMs: number;
}

export type FeatureResponse =
  | { type: 'done'; id: number; features?: Float32Array; timings?: FeatureTimings; decodedBytes?: number }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'error'; id: number; message: string };
