export * from './mask-classifier';
export * from './face-detection';
export * from './inference-pool';
export * from './face-pipeline';
export { sessionOptions } from './session-options';
export type { SessionThreads } from './session-options';
