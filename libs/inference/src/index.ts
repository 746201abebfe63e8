export * from './mask-classifier';
export * from './face-detection';
export * from './inference-pool';
