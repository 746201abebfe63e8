export { BatchQueue, InferenceOverloadedError } from './batch-queue';
export type { BatchSlice } from './batch-queue';
export { InferencePool, InferenceUnavailableError } from './inference-pool';
export type { BatchReport, InferencePoolOptions, InferencePoolStatus, InferenceTask } from './inference-pool';
export { siblingModule, spawnWorker } from './spawn-worker';
export type { FaceDetectorFiles, FaceDetectorState } from './worker-protocol';
