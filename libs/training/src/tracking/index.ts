export * from './types';
export { MLFLOW_LIMITS, MlflowValidationError } from './validation';
export { MlflowRestError } from './rest-client';
export { FileTrackingStore, DEFAULT_EXPERIMENT } from './file-store';
export { RestTrackingStore } from './rest-store';
export {
  createTracker,
  resolveTrackingUri,
  withRun,
  DEFAULT_TRACKING_URI,
  ExperimentTracker,
  TrackedRun,
  type StartRunOptions,
  type TrackerOptions,
  type TrackingTarget,
} from './tracker';
export {
  RUN_TAGS,
  currentUser,
  datasetTags,
  gitInfo,
  gitInfoFromTags,
  maskdVersion,
  standardRunTags,
  type GitInfo,
} from './source-info';
