import { SessionThreads } from './mask-classifier';
import { ModelSignature } from './model-signature';

/** What an inference worker is started with. */
export interface InferenceWorkerData extends SessionThreads {
  modelPath: string;
  /** Batch sizes run once on zeros before the worker reports ready, so the first requests are not slow. */
  warmupBatchSizes: number[];
}

/** Main thread -> worker. */
export interface RunRequest {
  type: 'run';
  id: number;
  /** N contiguous 224x224x3 images; its buffer is transferred. */
  batch: Float32Array;
}

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: 'ready'; signature: ModelSignature; warmupMs: number }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; probabilities: Float32Array; runMs: number }
  | { type: 'run-error'; id: number; message: string };
