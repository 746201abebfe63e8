export { packBatch } from './mask-classifier';
export type { MaskClassifier } from './mask-classifier';
export { interpretProbability } from './mask-prediction';
export type { MaskPrediction } from './mask-prediction';
export {
  ModelCardError,
  modelCardPath,
  modelInputOptions,
  parseModelCard,
  sha256File,
  verifyModel,
} from './model-card';
export type { MaskModelCard, VerifiedModel } from './model-card';
export {
  MASK_INPUT_LENGTH,
  MASK_MODEL_CONTRACT,
  ModelContractError,
  assertMaskModelSignature,
  sessionSignature,
} from './model-signature';
export type { ModelSignature, TensorInfo } from './model-signature';
export { OnnxMaskClassifier } from './onnx-mask-classifier';
