export * from './mask-classifier';
export * from './face-detection';
