export { trainModel, type TrainModelOptions } from './train-model';
export {
  AugmentationSchema,
  applyOverrides,
  loadTrainingConfig,
  parseSetOption,
  parseTrainingConfig,
  resolveConfigPath,
  TrainingConfigError,
  TrainingConfigSchema,
  type AugmentationConfig,
  type EarlyStoppingConfig,
  type PhaseConfig,
  type ScheduleConfig,
  type TrainingConfig,
} from './config';
export {
  applyAugmentation,
  augmentationRandom,
  augmentImage,
  IDENTITY_AUGMENTATION,
  sampleAugmentation,
  type AugmentationParams,
} from './augmentation';
export { fineTuneCutLayer, HEAD_CUT_LAYER, splitModel, type ModelSplit } from './model-split';
export { learningRateAt } from './schedule';
export { EarlyStopping } from './early-stopping';
export { lineProgress, terminalProgress, type TrainingProgress } from './progress';
export { formatTrainingSummary, type TrainingResult } from './training-result';
