export * from './mask-classifier';
