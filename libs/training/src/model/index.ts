export { describeBackend, initTensorflow, useBackend } from './backend';
export type { InitTensorflowOptions, TensorflowBackend, TensorflowBackendName } from './backend';
export {
  BackboneWeightsError,
  buildMaskClassifier,
  DEFAULT_BACKBONE_NAME,
  defaultBackboneWeights,
  formatAlpha,
  HEAD_LAYER_NAMES,
  inspectMobileNetV2,
  loadMobileNetV2Backbone,
  MASK_CLASS_NAMES,
  MASK_INPUT_NORMALIZATION,
} from './classifier';
export type { MaskClassifierOptions, MobileNetV2Backbone } from './classifier';
export { isHttpUrl, loadLayersModelFrom, ModelLoadError, saveLayersModel } from './io';
export type { ModelSource } from './io';
