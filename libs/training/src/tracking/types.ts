/** A run's terminal state, as MLflow names it. */
export type RunEndStatus = 'FINISHED' | 'FAILED' | 'KILLED';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | RunEndStatus;

/** MLflow's RunStatus enum values, which the file store writes into meta.yaml as integers. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

export type ParamValue = string | number | boolean;

export interface MetricEntry {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface LogBatch {
  metrics: MetricEntry[];
  params: KeyValue[];
  tags: KeyValue[];
}

export interface ExperimentInfo {
  id: string;
  name: string;
  artifactLocation: string;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  /** Where the run's artifacts live, e.g. `file:///…/mlruns/0/<id>/artifacts` or `mlflow-artifacts:/0/<id>/artifacts`. */
  artifactUri: string;
  startTime: number;
}

export interface CreateRunInput {
  experimentId: string;
  runName: string;
  userId: string;
  startTime: number;
  tags: KeyValue[];
}

/** What happened to one logged artifact file. */
export interface ArtifactLogResult {
  localPath: string;
  /** Path inside the run's artifact root, e.g. `model/mask_detector.onnx`. */
  artifactPath: string;
  status: 'stored' | 'skipped';
  /** Why an artifact was skipped (an artifact store this client cannot write to). */
  reason?: string;
}

/** A backend that persists runs: MLflow's file-store layout or an MLflow tracking server. */
export interface TrackingStore {
  readonly kind: 'file' | 'rest';
  readonly uri: string;
  getOrCreateExperiment(name: string): Promise<ExperimentInfo>;
  createRun(input: CreateRunInput): Promise<RunInfo>;
  /** One batch within MLflow's limits (the run splits larger ones). */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  updateRun(runId: string, status: RunEndStatus, endTime: number): Promise<void>;
  logArtifact(run: RunInfo, localPath: string, artifactDir: string | undefined): Promise<ArtifactLogResult>;
}
