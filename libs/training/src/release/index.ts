export { installModel, type InstalledModel, type InstallModelOptions } from './install-model';
export {
  readRunArtifacts,
  readPredictions,
  RunArtifactsError,
  type RunArtifacts,
  type ScoredSample,
} from './run-artifacts';
export {
  checkPredictions,
  metricsAtThreshold,
  operatingPoint,
  MetricsMismatchError,
  type CardFaceCropMetrics,
  type CardSetMetrics,
  type OperatingPoint,
} from './card-metrics';
export {
  decideThreshold,
  thresholdSensitivity,
  type ThresholdDecision,
  type ThresholdOption,
  type ThresholdSensitivity,
  type TuningScores,
} from './threshold-decision';
export { scoreTuningSplit } from './tuning-scores';
export { readReleaseNotes, ReleaseNotesSchema, type ReleaseNotes } from './release-notes';
export { shippedModelCard, type ShippedModelCard } from './shipped-card';
export { renderModelCardMarkdown } from './card-markdown';
