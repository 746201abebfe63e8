export { evaluateModel, type EvaluateOptions } from './evaluate';
export {
  readTrainingHistory,
  validateTrainingHistory,
  TRAINING_HISTORY_FILE,
  type TrainingHistoryRow,
  type TrainingPhase,
} from './history';
export * from './metrics';
export { loadEvaluatedModel, TfjsMaskClassifier, tfjsModelSha256, type LoadedModel } from './predictors';
export { readSection, upsertSection, writeReportSection, DEFAULT_REPORT_HEADER } from './report-sections';
export { evaluationMetrics, logEvaluation } from './tracking';
export * from './types';
export {
  DEFAULT_MARGIN_SWEEP,
  DEFAULT_MIN_FACE_SIZE,
  evaluateVocCrops,
  faceSizeBreakdown,
  FACE_CROP_MARGIN,
  INCORRECTLY_WORN_LABEL,
  type FacePrediction,
  type VocCropOptions,
} from './voc-crops';
export { writeEvaluationFigures, type ScoredSet } from './figures';
export { renderPng, renderSvg, vegaRuntime } from './vega-render';
