import type { ImageFormat } from '@maskd/imaging';
import type { FaceCandidate } from '../face-detection/decode';
import type { FaceDetection, FaceDetectOptions } from '../face-detection/face-detection';
import type { SessionThreads } from '../session-options';
import type { ModelSignature } from '../mask-classifier/model-signature';

/** The two BlazeFace files a worker loads its face detector from. */
export interface FaceDetectorFiles {
  frontModelPath: string;
  backModelPath: string;
}

/** What an inference worker is started with. */
export interface InferenceWorkerData extends SessionThreads {
  modelPath: string;
  /** Threads of the worker's second mask model session, for runs nothing else competes with (0: none). */
  soloIntraOpThreads: number;
  /** Batch sizes run once on zeros before the worker reports ready, so the first requests are not slow. */
  warmupBatchSizes: number[];
  /** Also host the face detector (warmed up on a blank frame before ready). */
  faceDetector?: FaceDetectorFiles;
}

/** Decoded RGB pixels as they cross to workers: a copy in a SharedArrayBuffer, which several workers can read. */
export interface SharedImage {
  data: Uint8Array;
  width: number;
  height: number;
  format: ImageFormat;
}

/** A photo's detection pyramid (see detectionPyramid) as it crosses to workers: the level images shared. */
export interface SharedPyramid {
  width: number;
  height: number;
  levels: SharedImage[];
}

/** Main thread -> worker. */
export type WorkerRequest =
  /** N contiguous 224x224x3 mask model inputs; the buffer is transferred. `solo`: nothing else runs. */
  | { type: 'classify'; id: number; batch: Float32Array; solo: boolean }
  | {
      type: 'detect';
      id: number;
      pyramid: SharedPyramid;
      options: FaceDetectOptions;
      /** Run only these inputs of the plan (splitDetectionUnits) and answer with their candidates. */
      units?: number[];
    };

/** Whether the face detector loaded in a worker. */
export type FaceDetectorState =
  { status: 'ready'; signature: ModelSignature } | { status: 'failed'; error: string };

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: 'ready'; signature: ModelSignature; faceDetector?: FaceDetectorState; warmupMs: number }
  | { type: 'load-error'; message: string }
  | { type: 'probabilities'; id: number; probabilities: Float32Array; runMs: number }
  | { type: 'faces'; id: number; faces: FaceDetection[]; runMs: number }
  | { type: 'candidates'; id: number; candidates: FaceCandidate[][]; runMs: number }
  | { type: 'run-error'; id: number; message: string };
