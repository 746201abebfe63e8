export { exportToOnnx, ONNX_OPSET, readOnnxMetadata, writeOnnx } from './export';
export type { OnnxExportOptions, OnnxModelMetadata, WrittenOnnx } from './export';
export { OnnxExportError, UnsupportedLayerError } from './errors';
export { LAYER_CONVERTERS } from './converters';
export { createOnnxSession, runOnnx } from './onnx-session';
export type { OnnxSessionOptions } from './onnx-session';
