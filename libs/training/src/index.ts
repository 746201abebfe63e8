export * from './model';
export * from './onnx';
