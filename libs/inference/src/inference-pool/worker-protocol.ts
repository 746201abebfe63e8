import type { ImageFormat } from '@maskd/imaging';
import type { FaceDetection, FaceDetectOptions } from '../face-detection/face-detection';
import type { SessionThreads } from '../mask-classifier/mask-classifier';
import type { ModelSignature } from '../mask-classifier/model-signature';

/** The two BlazeFace files a worker loads its face detector from. */
export interface FaceDetectorFiles {
  frontModelPath: string;
  backModelPath: string;
}

/** What an inference worker is started with. */
export interface InferenceWorkerData extends SessionThreads {
  modelPath: string;
  /** Batch sizes run once on zeros before the worker reports ready, so the first requests are not slow. */
  warmupBatchSizes: number[];
  /** Also host the face detector (warmed up on a blank frame before ready). */
  faceDetector?: FaceDetectorFiles;
}

/** Decoded RGB pixels as they cross to a worker (the buffer is a copy, transferred). */
export interface TransferredImage {
  data: Uint8Array;
  width: number;
  height: number;
  format: ImageFormat;
}

/** Main thread -> worker. */
export type WorkerRequest =
  /** N contiguous 224x224x3 mask model inputs; the buffer is transferred. */
  | { type: 'classify'; id: number; batch: Float32Array }
  | { type: 'detect'; id: number; image: TransferredImage; options: FaceDetectOptions };

/** Whether the face detector loaded in a worker. */
export type FaceDetectorState =
  { status: 'ready'; signature: ModelSignature } | { status: 'failed'; error: string };

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: 'ready'; signature: ModelSignature; faceDetector?: FaceDetectorState; warmupMs: number }
  | { type: 'load-error'; message: string }
  | { type: 'probabilities'; id: number; probabilities: Float32Array; runMs: number }
  | { type: 'faces'; id: number; faces: FaceDetection[]; runMs: number }
  | { type: 'run-error'; id: number; message: string };
